package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

/** Against fabric8's Kubernetes API mock server, which keeps the objects it is sent. */
@EnableKubernetesMockClient(crud = true)
class KubernetesScalerTest {
  KubernetesClient client;

  @Test
  void readsAndScalesTheWorkerDeployment() {
    Deployment workers =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("gitfaas-worker")
            .withNamespace("gitfaas")
            .endMetadata()
            .withNewSpec()
            .withReplicas(3)
            .withNewSelector()
            .addToMatchLabels("app", "gitfaas-worker")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "gitfaas-worker")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("worker")
            .withImage("gitfaas-worker")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().deployments().inNamespace("gitfaas").resource(workers).create();
    var scaler = new KubernetesScaler(client, "gitfaas", "gitfaas-worker");

    assertThat(scaler.current()).isEqualTo(3);
    scaler.scaleTo(7);
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("gitfaas")
                .withName("gitfaas-worker")
                .get()
                .getSpec()
                .getReplicas())
        .isEqualTo(7);
    assertThat(scaler.current()).isEqualTo(7);
  }
}
