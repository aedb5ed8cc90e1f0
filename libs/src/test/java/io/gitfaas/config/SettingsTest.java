package io.gitfaas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.config.Settings.Service;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
  @Test
  void defaultsAreThoseOfTheDesign() {
    Settings s = Settings.fromEnv(Map.of(), Service.WORKER);
    assertThat(s.nats().url()).isEqualTo("nats://127.0.0.1:4222");
    assertThat(s.limits().maxActivePerUser()).isEqualTo(80);
    assertThat(s.limits().ttl()).isEqualTo(Duration.ofMinutes(20));
    assertThat(s.limits().runTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(s.limits().buildTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(s.limits().memoryLimit()).isEqualTo(512L << 20);
    assertThat(s.limits().maxProcesses()).isEqualTo(128);
    assertThat(s.limits().maxOutputBytes()).isEqualTo(1L << 20);
    assertThat(s.limits().resultMaxBytes()).isEqualTo(16L << 20);
    assertThat(s.git().allowHttp()).isFalse();
    assertThat(s.git().allowPrivateHosts()).isFalse();
    assertThat(s.git().allowedHosts()).isEmpty();
    assertThat(s.worker().concurrency()).isEqualTo(1);
    Settings observer = Settings.fromEnv(Map.of(), Service.OBSERVER);
    assertThat(observer.observer().interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(observer.observer().minWorkers()).isEqualTo(3);
    assertThat(observer.observer().maxWorkers()).isEqualTo(10);
    assertThat(observer.observer().scaler()).isEqualTo(Settings.ScalerKind.PROCESS);
    assertThat(observer.observer().workerNatsUser()).isNull();
    Settings frontend =
        Settings.fromEnv(
            Map.of("OIDC_ISSUER_URL", "https://i", "OIDC_CLIENT_ID", "x"), Service.FRONTEND);
    assertThat(frontend.frontend().injectMaxBytes()).isEqualTo(64L << 20);
  }

  @Test
  void eachServiceReadsTheSharedGroupsAndItsOwnOnly() {
    // A frontend does not fail over a worker's variable, nor a worker over the observer's.
    Map<String, String> env =
        Map.of(
            "WORKER_CONCURRENCY", "lots",
            "MIN_WORKERS", "20",
            "OIDC_ISSUER_URL", "https://i",
            "OIDC_CLIENT_ID", "x");
    Settings frontend = Settings.fromEnv(env, Service.FRONTEND);
    assertThat(frontend.worker()).isNull();
    assertThat(frontend.observer()).isNull();
    assertThat(frontend.git()).isNotNull();
    Settings injector = Settings.fromEnv(env, Service.INJECTOR);
    assertThat(injector.frontend()).isNull();
    assertThat(injector.limits()).isNotNull();
    assertThatThrownBy(() -> Settings.fromEnv(env, Service.WORKER))
        .hasMessageContaining("WORKER_CONCURRENCY")
        .hasMessageNotContaining("MIN_WORKERS");
    assertThat(Settings.knownVariables())
        .contains("WORKER_CONCURRENCY", "MIN_WORKERS", "OIDC_ISSUER_URL", "WORKER_NATS_USER");
  }

  @Test
  void theWorkersNatsUserComesWithItsPassword() {
    assertThatThrownBy(() -> Settings.fromEnv(Map.of("WORKER_NATS_USER", "w"), Service.OBSERVER))
        .hasMessageContaining("WORKER_NATS_USER and WORKER_NATS_PASSWORD must be set together");
  }

  @Test
  void durationsAndSizesParse() {
    assertThat(Env.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Env.parseDuration("20s")).isEqualTo(Duration.ofSeconds(20));
    assertThat(Env.parseDuration("20m")).isEqualTo(Duration.ofMinutes(20));
    assertThat(Env.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Env.parseDuration("20")).isNull();
    assertThat(Env.parseDuration("-1s")).isNull();
    assertThat(Env.parseSize("512k")).isEqualTo(512L << 10);
    assertThat(Env.parseSize("16m")).isEqualTo(16L << 20);
    assertThat(Env.parseSize("1g")).isEqualTo(1L << 30);
    assertThat(Env.parseSize("100")).isEqualTo(100);
    assertThat(Env.parseSize("1t")).isEqualTo(-1);
    assertThat(Env.parseSize("99999999999999999")).isEqualTo(-1);
  }

  @Test
  void listsAreTrimmedAndLowerCased() {
    Settings s =
        Settings.fromEnv(
            Map.of(
                "ADMIN_EMAILS", " Root@Example.com, ,b@x.y",
                "GIT_ALLOWED_HOSTS", "GitHub.com",
                "OIDC_ISSUER_URL", "https://i",
                "OIDC_CLIENT_ID", "x"),
            Service.FRONTEND);
    assertThat(s.frontend().adminEmails()).containsExactlyInAnyOrder("root@example.com", "b@x.y");
    assertThat(s.git().allowedHosts()).containsExactly("github.com");
  }

  @Test
  void everyBadValueIsNamedAtOnce() {
    assertThatThrownBy(
            () ->
                Settings.fromEnv(
                    Map.of(
                        "TASK_RUN_TIMEOUT", "20",
                        "TASK_MEMORY_LIMIT", "lots",
                        "GIT_ALLOW_HTTP", "maybe",
                        "MAX_ACTIVE_TASKS_PER_USER", "0",
                        "SCALER", "magic",
                        "MIN_WORKERS", "20",
                        "LOG_FORMAT", "xml",
                        "DOCKER_HOST", "http://docker:2375",
                        "CALLBACK_SIGNING_KEY", "short"),
                    Service.OBSERVER))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("TASK_RUN_TIMEOUT: '20' is not a duration")
        .hasMessageContaining("TASK_MEMORY_LIMIT: 'lots' is not a size")
        .hasMessageContaining("MAX_ACTIVE_TASKS_PER_USER")
        .hasMessageContaining("SCALER: 'magic' is not one of [process, docker, kubernetes, none]")
        .hasMessageContaining("MIN_WORKERS: must not exceed MAX_WORKERS")
        .hasMessageContaining("LOG_FORMAT: must be text or json")
        .hasMessageContaining(
            "DOCKER_HOST: must be unix:///path/to/docker.sock or tcp://host:port");
    assertThatThrownBy(
            () -> Settings.fromEnv(Map.of("CALLBACK_SIGNING_KEY", "short"), Service.WORKER))
        .hasMessageContaining("CALLBACK_SIGNING_KEY: must be at least 32 characters");
  }

  @Test
  void theFrontendNeedsItsIdentityProvider() {
    assertThatThrownBy(() -> Settings.fromEnv(Map.of(), Service.FRONTEND))
        .hasMessageContaining("OIDC_ISSUER_URL: required by the frontend")
        .hasMessageContaining("OIDC_CLIENT_ID: required by the frontend");
    Settings s =
        Settings.fromEnv(
            Map.of("OIDC_ISSUER_URL", "https://accounts.google.com/", "OIDC_CLIENT_ID", "x"),
            Service.FRONTEND);
    assertThat(s.frontend().oidcIssuerUrl()).isEqualTo("https://accounts.google.com");
    assertThat(s.frontend().host()).isEqualTo("127.0.0.1");
  }
}
