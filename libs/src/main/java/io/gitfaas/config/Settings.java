package io.gitfaas.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of every service, read once from the environment in {@code main} and validated.
 * Business code receives these values and never reads the environment itself.
 */
public record Settings(
    NatsSettings nats,
    TaskLimits limits,
    GitSettings git,
    FrontendSettings frontend,
    WorkerSettings worker,
    ObserverSettings observer) {

  /** Which service is starting: decides which settings are required. */
  public enum Service {
    FRONTEND,
    WORKER,
    OBSERVER,
    INJECTOR
  }

  public enum ScalerKind {
    PROCESS,
    DOCKER,
    KUBERNETES
  }

  public record NatsSettings(String url, String user, String password, int replicas) {}

  public record TaskLimits(
      int maxActivePerUser,
      Duration ttl,
      Duration runTimeout,
      Duration buildTimeout,
      long memoryLimit,
      int maxProcesses,
      long maxOutputBytes,
      long resultMaxBytes,
      int maxAttempts,
      Duration lease,
      long diskLimit,
      int maxFiles) {}

  public record GitSettings(
      Set<String> allowedHosts, boolean allowHttp, boolean allowPrivateHosts, long maxRepoBytes) {}

  public record FrontendSettings(
      String host,
      int port,
      String oidcIssuerUrl,
      String oidcClientId,
      String oidcEmailClaim,
      Set<String> adminEmails,
      long injectMaxBytes) {}

  public record WorkerSettings(
      int concurrency,
      Path workDir,
      Path cacheDir,
      Path goRoot,
      Duration shutdownGrace,
      BuildNetwork buildNetwork,
      long userCacheLimit) {}

  /**
   * Which build steps get a network. {@code OFF}: none, so dependencies cannot be downloaded.
   * {@code REGISTRIES}: the steps that download dependencies, which run no code of the repository
   * and may name only registry packages, may reach the public package registries through the
   * worker's egress proxy, and nothing else.
   */
  public enum BuildNetwork {
    OFF,
    REGISTRIES
  }

  public record ObserverSettings(
      Duration interval,
      int congestionThreshold,
      int minWorkers,
      int maxWorkers,
      ScalerKind scaler,
      Duration scaleDownAfter,
      String workerCommand,
      Path stateDir,
      String kubernetesNamespace,
      String workerDeployment,
      String dockerSocket,
      String composeProject) {}

  public static final Duration DEFAULT_TASK_TTL = Duration.ofMinutes(20);
  public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofSeconds(20);
  public static final Duration DEFAULT_BUILD_TIMEOUT = Duration.ofSeconds(120);

  /** The largest file injectFile accepts. */
  public static final long DEFAULT_INJECT_MAX_BYTES = 64L << 20;

  /** Files and directories a task's checkout and writable directories may hold together. */
  public static final int DEFAULT_MAX_FILES = 100_000;

  /** What one user's build caches (Go, pip, npm) may hold on a worker before the oldest go. */
  public static final long DEFAULT_USER_CACHE_LIMIT = 2L << 30;

  public static final int DEFAULT_MAX_ACTIVE_TASKS = 80;

  private static final long K = 1L << 10;
  private static final long M = 1L << 20;
  private static final long G = 1L << 30;

  public static Settings fromEnv(Map<String, String> environment, Service service) {
    return fromEnv(new Env(environment), service);
  }

  /** The name of every variable any service reads: for checks of deployment files. */
  public static java.util.Set<String> knownVariables() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (Service service : Service.values()) {
      Env env = new Env(Map.of());
      try {
        fromEnv(env, service);
      } catch (SettingsException e) {
        // required values are missing here: only the names matter
      }
      names.addAll(env.asked());
    }
    return names;
  }

  private static Settings fromEnv(Env env, Service service) {
    var nats =
        new NatsSettings(
            env.string("NATS_URL", "nats://127.0.0.1:4222"),
            env.string("NATS_USER", null),
            env.string("NATS_PASSWORD", null),
            env.integer("NATS_REPLICAS", 1, 1, 5));
    env.require(
        (nats.user() == null) == (nats.password() == null),
        "NATS_USER",
        "NATS_USER and NATS_PASSWORD must be set together");
    var limits =
        new TaskLimits(
            env.integer("MAX_ACTIVE_TASKS_PER_USER", DEFAULT_MAX_ACTIVE_TASKS, 1, 100_000),
            env.duration("TASK_TTL", DEFAULT_TASK_TTL, Duration.ofSeconds(1), Duration.ofDays(7)),
            env.duration(
                "TASK_RUN_TIMEOUT",
                DEFAULT_RUN_TIMEOUT,
                Duration.ofMillis(100),
                Duration.ofHours(1)),
            env.duration(
                "TASK_BUILD_TIMEOUT",
                DEFAULT_BUILD_TIMEOUT,
                Duration.ofSeconds(1),
                Duration.ofHours(1)),
            env.size("TASK_MEMORY_LIMIT", 512 * M, 16 * M, 64 * G),
            env.integer("TASK_MAX_PROCESSES", 128, 1, 100_000),
            env.size("TASK_MAX_OUTPUT_BYTES", M, K, G),
            env.size("RESULT_MAX_BYTES", 16 * M, 64 * K, 4 * G),
            env.integer("TASK_MAX_ATTEMPTS", 3, 1, 100),
            env.duration(
                "TASK_LEASE",
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10)),
            env.size("TASK_DISK_LIMIT", G, M, 1024 * G),
            env.integer("TASK_MAX_FILES", DEFAULT_MAX_FILES, 100, 100_000_000));
    var git =
        new GitSettings(
            env.list("GIT_ALLOWED_HOSTS"),
            env.bool("GIT_ALLOW_HTTP", false),
            env.bool("GIT_ALLOW_PRIVATE_HOSTS", false),
            env.size("GIT_MAX_REPO_BYTES", 100 * M, M, 16 * G));
    var frontend =
        new FrontendSettings(
            env.string("FRONTEND_HOST", "127.0.0.1"),
            env.integer("FRONTEND_PORT", 8080, 0, 65535),
            stripTrailingSlash(env.string("OIDC_ISSUER_URL", null)),
            env.string("OIDC_CLIENT_ID", null),
            env.string("OIDC_EMAIL_CLAIM", "email"),
            env.list("ADMIN_EMAILS"),
            env.size("INJECT_MAX_BYTES", DEFAULT_INJECT_MAX_BYTES, K, 4 * G));
    if (service == Service.FRONTEND) {
      env.require(frontend.oidcIssuerUrl() != null, "OIDC_ISSUER_URL", "required by the frontend");
      env.require(frontend.oidcClientId() != null, "OIDC_CLIENT_ID", "required by the frontend");
    }
    String tmp = System.getProperty("java.io.tmpdir");
    var worker =
        new WorkerSettings(
            env.integer("WORKER_CONCURRENCY", 1, 1, 64),
            Path.of(env.string("WORKER_WORK_DIR", tmp + "/gitfaas-work")),
            Path.of(env.string("WORKER_CACHE_DIR", tmp + "/gitfaas-cache")),
            optionalPath(env.string("GOROOT", null)),
            env.duration(
                "WORKER_SHUTDOWN_GRACE",
                Duration.ofSeconds(8),
                Duration.ZERO,
                Duration.ofMinutes(10)),
            env.choice("BUILD_NETWORK", BuildNetwork.class, BuildNetwork.REGISTRIES),
            env.size("USER_CACHE_LIMIT", DEFAULT_USER_CACHE_LIMIT, 64 * M, 1024 * G));
    var observer =
        new ObserverSettings(
            env.duration(
                "OBSERVER_INTERVAL",
                Duration.ofSeconds(5),
                Duration.ofMillis(100),
                Duration.ofMinutes(10)),
            env.integer("CONGESTION_THRESHOLD", 10, 0, 1_000_000),
            env.integer("MIN_WORKERS", 3, 0, 1000),
            env.integer("MAX_WORKERS", 10, 1, 1000),
            env.choice("SCALER", ScalerKind.class, ScalerKind.PROCESS),
            env.duration(
                "SCALE_DOWN_AFTER", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1)),
            env.string("WORKER_COMMAND", "java -jar worker/target/worker-all.jar"),
            Path.of(env.string("OBSERVER_STATE_DIR", tmp + "/gitfaas-observer")),
            env.string("KUBERNETES_NAMESPACE", null),
            env.string("WORKER_DEPLOYMENT", "gitfaas-worker"),
            env.string("DOCKER_SOCKET", "/var/run/docker.sock"),
            env.string("COMPOSE_PROJECT", "gitfaas"));
    env.require(
        observer.minWorkers() <= observer.maxWorkers(),
        "MIN_WORKERS",
        "must not exceed MAX_WORKERS");
    env.check();
    return new Settings(nats, limits, git, frontend, worker, observer);
  }

  private static Path optionalPath(String path) {
    return path == null ? null : Path.of(path);
  }

  private static String stripTrailingSlash(String url) {
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
