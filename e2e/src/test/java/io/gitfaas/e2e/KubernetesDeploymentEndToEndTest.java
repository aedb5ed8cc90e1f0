package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.gitfaas.config.Settings;
import io.gitfaas.testkit.Binaries;
import io.gitfaas.testkit.GoRepos;
import io.gitfaas.testkit.KubeControlPlane;
import io.gitfaas.testkit.ProjectFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Kubernetes deployment on a real control plane (etcd, kube-apiserver with RBAC and Pod
 * Security admission, the controller manager, the scheduler, and kwok's fake nodes): the overlays
 * are rendered by kubectl and applied with server-side, strict validation; the pods are scheduled
 * and Running on the fake nodes; and the observer, signed in with its own service account's token,
 * follows a real NATS's lag by scaling the worker Deployment up and back down.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesDeploymentEndToEndTest {
  static final ObjectMapper YAML = new YAMLMapper();
  static final Path OVERLAYS = ProjectFiles.resolve("deploy/kubernetes/overlays");
  static KubeControlPlane kube;

  @BeforeAll
  static void start() {
    long started = System.nanoTime();
    kube = new KubeControlPlane();
    // Three nodes that allow user namespaces (the workers' nodeSelector); NATS' pods go one a node.
    for (int i = 1; i <= 3; i++) {
      kube.addNode("node-" + i, 16, Map.of("gitfaas.io/userns", "true"));
    }
    // What a cluster with KEDA has: its CRDs (from KEDA's own module, pinned by install.sh).
    kube.kubectl(
        "apply",
        "--server-side",
        "-f",
        Binaries.find("kwok").resolveSibling("keda-crds").toString());
    // (kubectl wait fails at once while the CRD has no conditions yet: poll instead.)
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                kube.kubectl(
                    "get",
                    "crd/scaledobjects.keda.sh",
                    "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"),
            "True"::equals);
    // NATS' claims bind to volumes a provisioner would make: three made here.
    for (int i = 0; i < 3; i++) {
      kube.kubectlWithInput(
          """
          {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "nats-%d"},
           "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                    "hostPath": {"path": "/tmp/nats-%d"}}}
          """
              .formatted(i, i),
          "apply",
          "-f",
          "-");
    }
    System.out.printf(
        "kubernetes e2e: control plane and nodes ready after %d ms%n",
        (System.nanoTime() - started) / 1_000_000);
  }

  @AfterAll
  static void stop() {
    if (kube != null) {
      kube.close();
    }
  }

  @Test
  @Order(1)
  void everyOverlayRendersToCompleteHardenedManifests() throws Exception {
    for (String overlay : List.of("dev", "google", "google-keda")) {
      List<JsonNode> docs = render(overlay);
      for (JsonNode d : docs) {
        String what = overlay + ": " + d.get("kind").asText() + " " + d.at("/metadata/name");
        if (!d.at("/spec/template/spec/containers").isArray()) {
          continue;
        }
        JsonNode pod = d.at("/spec/template/spec");
        for (JsonNode c : pod.get("containers")) {
          String where = what + " container " + c.get("name").asText();
          for (String r : List.of("requests", "limits")) {
            assertThat(c.at("/resources/" + r).has("cpu")).as(where + " " + r).isTrue();
            assertThat(c.at("/resources/" + r).has("memory")).as(where + " " + r).isTrue();
          }
          assertThat(c.has("readinessProbe")).as(where).isTrue();
          assertThat(c.has("livenessProbe")).as(where).isTrue();
          // Images and tags come from the kustomization's one list.
          assertThat(c.get("image").asText()).as(where).matches("[^:]+:[\\w.-]+");
          assertThat(c.get("image").asText()).as(where).doesNotEndWith(":latest");
          // No secret on a command line: they come from secretKeyRef.
          assertThat(c.path("args").toString()).as(where).doesNotContain("secret=", "password");
          assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true))
              .as(where)
              .isFalse();
          if (c.get("image")
              .asText()
              .matches(".*/gitfaas/(frontend|worker|observer|injector):.*")) {
            List<String> names = new ArrayList<>();
            c.get("env").forEach(e -> names.add(e.get("name").asText()));
            assertThat(Settings.knownVariables()).as(where).containsAll(names);
          }
        }
      }
      JsonNode observer = find(docs, "Deployment", "gitfaas-observer");
      assertThat(observer.at("/spec/strategy/type").asText()).isEqualTo("Recreate");
      assertThat(observer.at("/spec/replicas").asInt()).isEqualTo(1);
      String scaler = env(observer, "SCALER");
      assertThat(scaler).isEqualTo(overlay.endsWith("keda") ? "none" : "kubernetes");
      assertThat(docs.stream().anyMatch(d -> d.get("kind").asText().equals("ScaledObject")))
          .isEqualTo(overlay.endsWith("keda"));
      JsonNode worker = find(docs, "Deployment", "gitfaas-worker");
      assertThat(worker.at("/metadata/namespace").asText()).isEqualTo("gitfaas-workers");
      assertThat(worker.at("/spec/template/spec/hostUsers").asBoolean(true)).isFalse();
      JsonNode nats = find(docs, "StatefulSet", "gitfaas-nats");
      assertThat(nats.at("/spec/template/spec/affinity/podAntiAffinity").isMissingNode()).isFalse();
      assertThat(find(docs, "Service", "gitfaas-nats").at("/spec/ports").toString())
          .contains("8222");
      for (String pdb : List.of("gitfaas-nats", "gitfaas-frontend", "gitfaas-oauth2-proxy")) {
        find(docs, "PodDisruptionBudget", pdb);
      }
      JsonNode ingress = find(docs, "Ingress", "gitfaas");
      assertThat(ingress.at("/spec/tls/0/secretName").asText()).isEqualTo("gitfaas-tls");
      assertThat(ingress.at("/metadata/annotations").toString()).contains("proxy-buffering");
      // The workers' way out: DNS, NATS and port 443 of public addresses, nothing else.
      JsonNode egress = find(docs, "NetworkPolicy", "gitfaas-worker").at("/spec/egress");
      assertThat(egress.toString()).contains("169.254.0.0/16", "10.0.0.0/8", "\"port\":443");
      assertThat(egress.findValues("port").stream().map(JsonNode::asInt).toList())
          .containsOnly(53, 4222, 443);
      // The observer may scale the worker Deployment and nothing else.
      JsonNode role = find(docs, "Role", "gitfaas-observer");
      assertThat(role.at("/metadata/namespace").asText()).isEqualTo("gitfaas-workers");
      for (JsonNode rule : role.get("rules")) {
        assertThat(rule.get("resourceNames").toString()).isEqualTo("[\"gitfaas-worker\"]");
        assertThat(rule.get("resources").toString()).isEqualTo("[\"deployments/scale\"]");
      }
      assertThat(observer.at("/spec/template/spec/serviceAccountName").asText())
          .isEqualTo("gitfaas-observer");
      // NATS' routes: mutual TLS with the cluster's own CA, its certificates from a Secret.
      String cluster =
          docs.stream()
              .filter(d -> d.get("kind").asText().equals("ConfigMap"))
              .map(d -> d.at("/data/nats-cluster.conf").asText())
              .filter(c -> !c.isEmpty())
              .findFirst()
              .orElseThrow();
      assertThat(cluster.substring(cluster.indexOf("cluster {")))
          .contains("tls {", "verify: true", "ca_file: /etc/nats-routes/ca.crt");
      assertThat(nats.at("/spec/template/spec/volumes").toString())
          .contains("\"secretName\":\"gitfaas-nats-routes\"");
      JsonNode frontendIn = find(docs, "NetworkPolicy", "gitfaas-frontend").at("/spec/ingress");
      assertThat(frontendIn.toString())
          .contains("gitfaas-oauth2-proxy")
          .doesNotContain("namespace");
    }
  }

  @Test
  @Order(2)
  void everyOverlayAppliesWithServerSideValidationAndPodsRunUnderPodSecurity() throws Exception {
    // The Secrets, as the README makes them.
    var secrets =
        new ProcessBuilder(ProjectFiles.resolve("deploy/kubernetes/secrets.sh").toString(), "dev")
            .redirectErrorStream(true);
    secrets.environment().put("KUBECONFIG", kube.kubeconfig().toString());
    secrets.environment().put("KUBECTL", Binaries.find("kubectl").toString());
    Process p = secrets.start();
    String said = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(said).isZero();
    assertThat(said).contains("gitfaas-workers/gitfaas-worker created");

    for (String overlay : List.of("google", "google-keda", "dev")) {
      var applied =
          kube.kubectlResult(
              kube.kubeconfig(),
              null,
              "apply",
              "--server-side",
              "--field-manager=gitfaas",
              "--validate=strict",
              "-k",
              OVERLAYS.resolve(overlay).toString());
      assertThat(applied.exit()).as(overlay + ": " + applied.err()).isZero();
      // No warning at all: Pod Security, deprecated fields and unknown fields would each say one.
      assertThat(applied.err()).as(overlay).isEmpty();
    }
    // KEDA's CRD checks the ScaledObject's schema: a misspelt field is refused, not ignored.
    var misspelt =
        kube.kubectlResult(
            kube.kubeconfig(),
            """
            {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
             "metadata": {"name": "typo", "namespace": "gitfaas-workers"},
             "spec": {"scaleTargetRef": {"name": "gitfaas-worker"}, "maxReplicas": 3,
                      "triggers": [{"type": "nats-jetstream", "metadata": {}}]}}
            """,
            "apply",
            "--server-side",
            "--validate=strict",
            "--dry-run=server",
            "-f",
            "-");
    assertThat(misspelt.exit()).isNotZero();
    assertThat(misspelt.err()).contains("maxReplicas");

    // The namespaces' levels are enforced: the workers' pod, which needs "privileged", is refused
    // in the namespace of the other services.
    String workerPod = workerDeployment("jsonpath={.spec.template}");
    JsonNode template = YAML.readTree(workerPod);
    var refused =
        kube.kubectlResult(
            kube.kubeconfig(),
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"escape\","
                + " \"namespace\": \"gitfaas\"}, \"spec\": "
                + template.get("spec")
                + "}",
            "apply",
            "--dry-run=server",
            "-f",
            "-");
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err()).contains("violates PodSecurity \"restricted:latest\"");

    // Every Deployment's pods are scheduled on the fake nodes and Running; NATS' three pods on
    // three nodes with their volumes.
    for (String ns : List.of("gitfaas", "gitfaas-workers")) {
      kube.kubectl(
          "-n", ns, "wait", "--for=condition=Available", "deployment", "--all", "--timeout=120s");
    }
    kube.kubectl(
        "-n", "gitfaas", "rollout", "status", "statefulset/gitfaas-nats", "--timeout=120s");
    String natsNodes =
        kube.kubectl(
            "-n",
            "gitfaas",
            "get",
            "pods",
            "-l",
            "app=gitfaas-nats",
            "-o",
            "jsonpath={.items[*].spec.nodeName}");
    assertThat(Set.of(natsNodes.trim().split(" "))).hasSize(3);
  }

  @Test
  @Order(3)
  void theObserverWithItsOwnTokenScalesTheWorkerDeploymentWithTheQueue() throws Exception {
    String token =
        kube.kubectl("-n", "gitfaas", "create", "token", "gitfaas-observer", "--duration=1h")
            .trim();
    Path observerConfig = kube.kubeconfigFor("observer", token);
    // Its service account may scale the worker Deployment, and nothing else.
    assertThat(
            canI(observerConfig, "gitfaas-workers", "patch", "deployments/gitfaas-worker", "scale"))
        .isTrue();
    assertThat(
            canI(observerConfig, "gitfaas-workers", "get", "deployments/gitfaas-worker", "scale"))
        .isTrue();
    assertThat(canI(observerConfig, "gitfaas-workers", "patch", "deployments/gitfaas-worker", null))
        .isFalse();
    assertThat(canI(observerConfig, "gitfaas", "patch", "deployments/gitfaas-frontend", "scale"))
        .isFalse();
    assertThat(canI(observerConfig, "gitfaas-workers", "list", "pods", null)).isFalse();
    assertThat(canI(observerConfig, "gitfaas", "get", "secrets", null)).isFalse();

    try (var stack = new LocalStack(Map.of())) {
      stack.startObserverProcess(
          Map.of(
              "SCALER",
              "kubernetes",
              "KUBECONFIG",
              observerConfig.toString(),
              "KUBERNETES_NAMESPACE",
              "gitfaas-workers",
              "WORKER_DEPLOYMENT",
              "gitfaas-worker",
              "MIN_WORKERS",
              "1",
              "MAX_WORKERS",
              "3",
              "OBSERVER_INTERVAL",
              "500ms",
              "SCALE_DOWN_AFTER",
              "2s",
              "CONGESTION_THRESHOLD",
              "2"));
      // With nothing queued it brings the Deployment's 3 replicas down to the minimum.
      awaitWorkers(1, Duration.ofSeconds(60), stack);
      // Two real workers on this machine drain the queue; the Deployment's pods are kwok's.
      stack.startWorker();
      stack.startWorker();
      stack.awaitWorkerLogs("worker ready", Duration.ofSeconds(60));

      var erin = new ApiClient(stack.baseUrl(), stack.login("erin@example.com"));
      String url = stack.git.createRepo("slow", GoRepos.sleeper("3s"));
      long burst = System.nanoTime();
      List<String> ids = erin.createTasks(url, 8);
      awaitWorkers(3, Duration.ofSeconds(60), stack);
      long up = (System.nanoTime() - burst) / 1_000_000;
      for (String id : ids) {
        JsonNode done = erin.awaitEnd(id, Duration.ofMinutes(3));
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
      }
      awaitWorkers(1, Duration.ofSeconds(60), stack);
      long down = (System.nanoTime() - burst) / 1_000_000;
      System.out.printf(
          "kubernetes e2e: 8 tasks of 3 s; the worker Deployment went 1 -> 3 Running pods after"
              + " %d ms and back to 1 after %d ms%n",
          up, down);
      assertThat(stack.log("observer.log"))
          .contains("kubernetes (deployment gitfaas-workers/gitfaas-worker)");
    }
  }

  /**
   * Waits until the worker Deployment asks for {@code n} replicas and its ReplicaSet has exactly
   * that many Running pods.
   */
  static void awaitWorkers(int n, Duration wait, LocalStack stack) throws Exception {
    try {
      awaitWorkersOrTimeOut(n, wait, stack);
    } catch (ConditionTimeoutException e) {
      String log = stack.log("observer.log");
      throw new AssertionError(
          "the worker Deployment did not reach "
              + n
              + ": "
              + kube.kubectl(
                  "-n", "gitfaas-workers", "get", "deployment,replicaset,pods", "-o", "wide")
              + "\nobserver's log (end):\n"
              + log.substring(Math.max(0, log.length() - 4000)),
          e);
    }
  }

  static void awaitWorkersOrTimeOut(int n, Duration wait, LocalStack stack) {
    await()
        .atMost(wait)
        .pollInterval(Duration.ofMillis(250))
        .failFast(
            "the observer died", () -> stack.log("observer.log").contains("observer cannot start"))
        .until(
            () -> {
              String spec = workerDeployment("jsonpath={.spec.replicas} {.status.readyReplicas}");
              String pods =
                  kube.kubectl(
                      "-n",
                      "gitfaas-workers",
                      "get",
                      "pods",
                      "-l",
                      "app=gitfaas-worker",
                      "--field-selector=status.phase=Running",
                      "-o",
                      "name");
              long running = pods.lines().filter(l -> !l.isBlank()).count();
              return spec.trim().equals(n + " " + n) && running == n;
            });
  }

  /** A JSONPath of the worker Deployment, as kubectl prints it. */
  static String workerDeployment(String jsonpath) {
    return kube.kubectl(
        "-n", "gitfaas-workers", "get", "deployment", "gitfaas-worker", "-o", jsonpath);
  }

  static boolean canI(Path config, String ns, String verb, String resource, String subresource) {
    List<String> args = new ArrayList<>(List.of("auth", "can-i", verb, resource, "-n", ns));
    if (subresource != null) {
      args.add("--subresource=" + subresource);
    }
    var r = kube.kubectlResult(config, null, args.toArray(String[]::new));
    return r.out().trim().equals("yes");
  }

  static List<JsonNode> render(String overlay) throws Exception {
    String out = kube.kubectl("kustomize", OVERLAYS.resolve(overlay).toString());
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(out)) {
      YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
    }
    return docs;
  }

  static String env(JsonNode deployment, String name) {
    for (JsonNode e : deployment.at("/spec/template/spec/containers/0/env")) {
      if (e.get("name").asText().equals(name)) {
        return e.path("value").asText();
      }
    }
    throw new AssertionError("no " + name + " in " + deployment.at("/metadata/name"));
  }

  static JsonNode find(List<JsonNode> docs, String kind, String name) {
    return DeploymentFilesTest.find(docs, kind, name);
  }
}
