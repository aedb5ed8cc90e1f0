package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.gitfaas.config.Settings;
import io.gitfaas.testkit.Binaries;
import io.gitfaas.testkit.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker compose cannot run here (no Docker engine), so its files are checked by reading them:
 * every service the code expects exists, variable names are ones the services read, ports,
 * dependencies, users and permissions are consistent. The Kubernetes files are applied to a real
 * API server: {@link KubernetesDeploymentEndToEndTest}.
 */
class DeploymentFilesTest {
  static final ObjectMapper YAML = new YAMLMapper();
  static final Set<String> SERVICES = Set.of("frontend", "worker", "observer", "injector");
  static final Set<String> KNOWN = Settings.knownVariables();

  /** The compose file with its YAML anchors and merge keys resolved, as compose reads it. */
  static JsonNode compose() throws IOException {
    try (var in = Files.newBufferedReader(ProjectFiles.resolve("docker-compose.yml"))) {
      Object tree = new org.yaml.snakeyaml.Yaml().load(in);
      return YAML.valueToTree(tree);
    }
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
    // Only oauth2-proxy (one a profile) and the dev identity provider are published; the
    // frontend is reachable only through oauth2-proxy.
    Set<String> published = Set.of("oauth2-proxy", "oauth2-proxy-dev", "devidp");
    services
        .fieldNames()
        .forEachRemaining(
            s -> assertThat(services.get(s).has("ports")).as(s).isEqualTo(published.contains(s)));
    assertThat(services.at("/oauth2-proxy/ports/0").asText()).isEqualTo("4180:4180");
    assertThat(services.at("/oauth2-proxy/profiles").toString()).isEqualTo("[\"google\"]");
    assertThat(services.at("/oauth2-proxy-dev/profiles").toString()).isEqualTo("[\"dev\"]");
    assertThat(services.at("/devidp/profiles").toString()).isEqualTo("[\"dev\"]");
    // Secrets reach oauth2-proxy through its environment, never its command line.
    assertThat(services.at("/oauth2-proxy/command").toString()).doesNotContain("secret");
    assertThat(services.at("/oauth2-proxy/environment/OAUTH2_PROXY_CLIENT_SECRET").asText())
        .startsWith("${");
    // Every long-running service has a health check and a memory limit.
    for (String s : List.of("nats", "frontend", "observer", "injector", "worker", "devidp")) {
      assertThat(services.get(s).has("healthcheck")).as(s).isTrue();
      assertThat(services.get(s).has("mem_limit")).as(s).isTrue();
    }
    for (String s : List.of("frontend", "observer", "injector", "worker")) {
      assertThat(services.at("/" + s + "/healthcheck/test").toString()).as(s).contains("/healthz");
    }
    // The observer reaches the Docker engine only through the socket proxy, which allows the
    // container calls the scaler makes and no other (no exec, no images).
    assertThat(services.at("/observer/volumes").isMissingNode()).isTrue();
    assertThat(services.at("/observer/environment/DOCKER_HOST").asText())
        .isEqualTo("tcp://docker-proxy:2375");
    String proxy = services.at("/docker-proxy/command").toString();
    assertThat(proxy).contains("-allowfrom=observer", "containers/(create|").doesNotContain("exec");
    assertThat(services.at("/docker-proxy/volumes/0").asText()).endsWith(":ro");
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
    assertThat(Files.readString(ProjectFiles.resolve("deploy/kubernetes/base/oauth2-proxy.yaml")))
        .contains("--cookie-samesite=lax");
    assertThat(Files.readString(ProjectFiles.resolve("scripts/oauth2-proxy.sh")))
        .contains("--cookie-samesite=lax");
    // Scripts sign in with a bearer ID token wherever the proxy runs.
    assertThat(services.at("/oauth2-proxy/command").toString())
        .contains("--skip-jwt-bearer-tokens=true");
    assertThat(Files.readString(ProjectFiles.resolve("deploy/kubernetes/base/oauth2-proxy.yaml")))
        .contains("--skip-jwt-bearer-tokens=true");
    assertThat(Files.readString(ProjectFiles.resolve("scripts/oauth2-proxy.sh")))
        .contains("--skip-jwt-bearer-tokens=true");
    assertThat(services.at("/observer/environment/SCALER").asText()).isEqualTo("docker");
  }

  /**
   * docker compose itself reads the file for each profile (its `config` needs no engine): with the
   * dev profile's generated settings, and with the variables .env.example names.
   */
  @Test
  void composeReadsBothProfiles(@TempDir Path dir) throws Exception {
    Path devEnv = dir.resolve(".env.dev");
    run(List.of(ProjectFiles.resolve("scripts/compose-dev-env.sh").toString(), devEnv.toString()));
    assertThat(Files.readString(devEnv)).contains("COMPOSE_PROFILES=dev", "OIDC_ISSUER_URL=");
    // A second run keeps the secrets it made.
    String first = Files.readString(devEnv);
    run(List.of(ProjectFiles.resolve("scripts/compose-dev-env.sh").toString(), devEnv.toString()));
    assertThat(Files.readString(devEnv)).isEqualTo(first);
    JsonNode dev = composeConfig(devEnv);
    assertThat(names(dev.get("services")))
        .contains("devidp", "oauth2-proxy-dev", "docker-proxy", "frontend", "worker")
        .doesNotContain("oauth2-proxy");
    assertThat(dev.at("/services/frontend/environment/OIDC_ISSUER_URL").asText())
        .isEqualTo("http://devidp:4190/default");
    assertThat(dev.at("/services/oauth2-proxy-dev/environment/OAUTH2_PROXY_REDEEM_URL").asText())
        .isEqualTo("http://devidp:4190/default/token");

    Path googleEnv = dir.resolve(".env");
    StringBuilder filled = new StringBuilder("COMPOSE_PROFILES=google\n");
    for (String line : Files.readAllLines(ProjectFiles.resolve(".env.example"))) {
      if (line.matches("[A-Z_]+=")) {
        filled.append(line).append("p0123456789abcdef0123456789abcdef\n");
      }
    }
    Files.writeString(googleEnv, filled);
    JsonNode google = composeConfig(googleEnv);
    assertThat(names(google.get("services")))
        .contains("oauth2-proxy", "docker-proxy", "frontend", "worker")
        .doesNotContain("devidp", "oauth2-proxy-dev");
    assertThat(google.at("/services/frontend/environment/OIDC_ISSUER_URL").asText())
        .isEqualTo("https://accounts.google.com");
  }

  static JsonNode composeConfig(Path envFile) throws Exception {
    String out =
        run(
            List.of(
                Binaries.find("docker-compose").toString(),
                "--project-directory",
                ProjectFiles.root().toString(),
                "-f",
                ProjectFiles.resolve("docker-compose.yml").toString(),
                "--env-file",
                envFile.toString(),
                "config",
                "--format",
                "json"));
    return YAML.readTree(out);
  }

  static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static String run(List<String> command) throws Exception {
    var pb = new ProcessBuilder(command);
    pb.environment().remove("COMPOSE_PROFILES");
    Process p = pb.redirectError(ProcessBuilder.Redirect.PIPE).start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor()).as(command + ": " + err).isZero();
    return out;
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

  static JsonNode find(List<JsonNode> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.get("kind").asText().equals(kind))
        .filter(d -> d.at("/metadata/name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }
}
