package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.gitfaas.config.Settings;
import io.gitfaas.testkit.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docker compose and Kubernetes cannot run here, so their files are checked by reading them: every
 * service the code expects exists, variable names are ones the services read, ports, dependencies,
 * users and permissions are consistent.
 */
class DeploymentFilesTest {
  static final ObjectMapper YAML = new YAMLMapper();
  static final Set<String> SERVICES = Set.of("frontend", "worker", "observer", "injector");
  static final Set<String> KNOWN = Settings.knownVariables();

  static JsonNode compose() throws IOException {
    return YAML.readTree(ProjectFiles.resolve("docker-compose.yml").toFile());
  }

  static List<JsonNode> kubernetes() throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(ProjectFiles.resolve("deploy/kubernetes"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (var parser = new YAMLFactory().createParser(f.toFile())) {
          YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
      }
    }
    return docs;
  }

  /** Users the NATS configuration defines, and the password variables it reads. */
  static Map<String, String> natsUsers() throws IOException {
    String conf = Files.readString(ProjectFiles.resolve("deploy/nats/nats-server.conf"));
    Matcher m = Pattern.compile("user: (\\w+), password: \\$(\\w+)").matcher(conf);
    Map<String, String> users = new java.util.HashMap<>();
    while (m.find()) {
      users.put(m.group(1), m.group(2));
    }
    return users;
  }

  @Test
  void composeHasEveryServiceWithKnownSettings() throws IOException {
    JsonNode services = compose().get("services");
    for (String s : Set.of("nats", "oauth2-proxy", "frontend", "worker", "observer", "injector")) {
      assertThat(services.has(s)).as(s).isTrue();
    }
    for (String s : SERVICES) {
      JsonNode service = services.get(s);
      assertThat(service.at("/build/target").asText()).as(s).isEqualTo(s);
      service
          .get("environment")
          .fieldNames()
          .forEachRemaining(name -> assertThat(KNOWN).as(s + " sets " + name).contains(name));
      assertThat(service.at("/environment/NATS_USER").asText()).as(s).isEqualTo(s);
      String password = service.at("/environment/NATS_PASSWORD").asText();
      assertThat(password).as(s).contains(natsUsers().get(s));
      service
          .get("depends_on")
          .fieldNames()
          .forEachRemaining(d -> assertThat(services.has(d)).as(s + " depends on " + d).isTrue());
    }
    // Only oauth2-proxy is published; the frontend is reachable only through it.
    services
        .fieldNames()
        .forEachRemaining(
            s ->
                assertThat(services.get(s).has("ports")).as(s).isEqualTo(s.equals("oauth2-proxy")));
    assertThat(services.at("/oauth2-proxy/ports/0").asText()).isEqualTo("4180:4180");
    assertThat(services.at("/oauth2-proxy/command").toString())
        .contains("--upstream=http://frontend:8080", "--pass-authorization-header=true");
    // nats gets every service's password.
    JsonNode natsEnv = services.at("/nats/environment");
    natsUsers().values().forEach(v -> assertThat(natsEnv.has(v)).as(v).isTrue());
    assertThat(services.at("/worker/security_opt").toString())
        .contains(
            "seccomp=unconfined",
            "apparmor=unconfined",
            "systempaths=unconfined",
            "no-new-privileges:true");
    // Without a delegated cgroup the task limits are the worker's own: the container bounds them.
    assertThat(services.at("/worker/cap_drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(services.at("/worker/mem_limit").asText()).isNotEmpty();
    assertThat(services.at("/worker/pids_limit").asInt()).isPositive();
    // A cross-site POST does not even carry the session cookie, in every deployment.
    assertThat(services.at("/oauth2-proxy/command").toString()).contains("--cookie-samesite=lax");
    assertThat(Files.readString(ProjectFiles.resolve("deploy/kubernetes/frontend.yaml")))
        .contains("--cookie-samesite=lax");
    assertThat(Files.readString(ProjectFiles.resolve("scripts/oauth2-proxy.sh")))
        .contains("--cookie-samesite=lax");
    // Scripts sign in with a bearer ID token wherever the proxy runs.
    assertThat(services.at("/oauth2-proxy/command").toString())
        .contains("--skip-jwt-bearer-tokens=true");
    assertThat(Files.readString(ProjectFiles.resolve("deploy/kubernetes/frontend.yaml")))
        .contains("--skip-jwt-bearer-tokens=true");
    assertThat(Files.readString(ProjectFiles.resolve("scripts/oauth2-proxy.sh")))
        .contains("--skip-jwt-bearer-tokens=true");
    assertThat(services.at("/observer/environment/SCALER").asText()).isEqualTo("docker");
  }

  @Test
  void dockerfileHasAStagePerService() throws IOException {
    String dockerfile = Files.readString(ProjectFiles.resolve("Dockerfile"));
    for (String s : SERVICES) {
      assertThat(dockerfile).contains(" AS " + s + "\n");
      assertThat(dockerfile).contains("/src/" + s + "/target/" + s + "-all.jar");
    }
  }

  @Test
  void envExampleNamesEverySecretComposeNeeds() throws IOException {
    String compose = Files.readString(ProjectFiles.resolve("docker-compose.yml"));
    String example = Files.readString(ProjectFiles.resolve(".env.example"));
    Matcher required = Pattern.compile("\\$\\{(\\w+):\\?").matcher(compose);
    while (required.find()) {
      assertThat(example).as(required.group(1)).contains(required.group(1) + "=");
    }
    assertThat(Files.readString(ProjectFiles.resolve(".gitignore"))).contains(".env");
  }

  @Test
  void kubernetesManifestsAreConsistent() throws IOException {
    List<JsonNode> docs = kubernetes();
    Set<String> deployments = new HashSet<>();
    for (JsonNode d : docs) {
      assertThat(d.at("/metadata/namespace").asText(d.get("kind").asText()))
          .as(d.at("/metadata/name").asText())
          .isIn("gitfaas", "Namespace");
      if (d.get("kind").asText().equals("Deployment")) {
        deployments.add(d.at("/metadata/name").asText());
        for (JsonNode c : d.at("/spec/template/spec/containers")) {
          if (c.get("image").asText().startsWith("gitfaas-")) {
            List<String> names = new ArrayList<>();
            c.get("env").forEach(e -> names.add(e.get("name").asText()));
            assertThat(KNOWN).as(c.get("name").asText()).containsAll(names);
            assertThat(names).contains("NATS_REPLICAS");
          }
        }
      }
    }
    assertThat(deployments)
        .contains("gitfaas-frontend", "gitfaas-worker", "gitfaas-observer", "gitfaas-injector");
    JsonNode nats = find(docs, "StatefulSet", "gitfaas-nats");
    assertThat(nats.at("/spec/replicas").asInt()).isEqualTo(3);
    // Cluster routes: mutual TLS with the cluster's own CA, its certificates from a Secret.
    String cluster = Files.readString(ProjectFiles.resolve("deploy/kubernetes/nats-cluster.conf"));
    String routes = cluster.substring(cluster.indexOf("cluster {"));
    assertThat(routes).contains("tls {", "verify: true", "ca_file: /etc/nats/routes/ca.crt");
    assertThat(nats.at("/spec/template/spec/volumes").toString())
        .contains("\"secretName\":\"gitfaas-nats-routes\"");
    // The observer may scale the worker Deployment and nothing else.
    JsonNode role = find(docs, "Role", "gitfaas-observer");
    for (JsonNode rule : role.get("rules")) {
      assertThat(rule.get("resourceNames").toString()).isEqualTo("[\"gitfaas-worker\"]");
      assertThat(rule.get("verbs").toString()).doesNotContain("delete", "create", "*");
    }
    JsonNode observer = find(docs, "Deployment", "gitfaas-observer");
    assertThat(observer.at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo("gitfaas-observer");
    assertThat(observer.at("/spec/template/spec/containers/0/env").toString())
        .contains("\"SCALER\"", "kubernetes", "gitfaas-worker");
    JsonNode worker = find(docs, "Deployment", "gitfaas-worker");
    assertThat(
            worker
                .at("/spec/template/spec/containers/0/securityContext/seccompProfile/type")
                .asText())
        .isEqualTo("Unconfined");
  }

  static JsonNode find(List<JsonNode> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.get("kind").asText().equals(kind))
        .filter(d -> d.at("/metadata/name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }
}
