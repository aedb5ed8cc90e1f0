package io.gitfaas.observer;

import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Workers as a Kubernetes Deployment, scaled through its scale subresource: the observer's service
 * account needs get and update (or patch) on deployments/scale, nothing more. Pods stopped by
 * scaling get SIGTERM and finish or hand back their task within the pod's
 * terminationGracePeriodSeconds; Kubernetes itself restarts pods that die.
 */
public final class KubernetesScaler implements Scaler {
  private final KubernetesClient client;
  private final String namespace;
  private final String deployment;

  public KubernetesScaler(KubernetesClient client, String namespace, String deployment) {
    this.client = client;
    this.namespace = namespace;
    this.deployment = deployment;
  }

  @Override
  public int current() {
    Scale scale = resource().scale();
    if (scale == null) {
      throw new IllegalStateException("deployment " + namespace + "/" + deployment + " not found");
    }
    Integer replicas = scale.getStatus() == null ? null : scale.getStatus().getReplicas();
    return replicas != null ? replicas : scale.getSpec().getReplicas();
  }

  /**
   * Reads and writes the scale subresource only (what the observer's Role allows): a replace of the
   * Scale, not {@code scale(int)}, which reads the whole Deployment after.
   */
  @Override
  public void scaleTo(int workers) {
    Scale scale = resource().scale();
    scale.getSpec().setReplicas(workers);
    resource().scale(scale);
  }

  private io.fabric8.kubernetes.client.dsl.RollableScalableResource<
          io.fabric8.kubernetes.api.model.apps.Deployment>
      resource() {
    return client.apps().deployments().inNamespace(namespace).withName(deployment);
  }

  @Override
  public String describe() {
    return "kubernetes (deployment " + namespace + "/" + deployment + ")";
  }
}
