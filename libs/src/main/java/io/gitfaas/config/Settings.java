package io.gitfaas.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of every service, read once from the environment in {@code main} and validated.
 * Business code receives these values and never reads the environment itself. Each service reads
 * the shared groups (NATS, task limits) and its own ({@link Service#groups()}); a group it does not
 * read is null, so no service depends on, or fails over, another's variables.
 */
public record Settings(
    NatsSettings nats,
    MetricsSettings metrics,
    StorageCaps storage,
    TaskLimits limits,
    GitSettings git,
    CallbackSettings callbacks,
    FrontendSettings frontend,
    WorkerSettings worker,
    ObserverSettings observer) {

  /** Which service is starting: decides which groups it reads and which settings are required. */
  public enum Service {
    FRONTEND(Group.GIT, Group.CALLBACKS, Group.FRONTEND),
    WORKER(Group.GIT, Group.CALLBACKS, Group.WORKER),
    /** The worker group too: how many tasks a worker runs, what the process scaler starts. */
    OBSERVER(Group.WORKER, Group.OBSERVER),
    INJECTOR;

    private final Set<Group> groups;

    Service(Group... groups) {
      this.groups = groups.length == 0 ? Set.of() : java.util.EnumSet.of(groups[0], groups);
    }

    /** The groups of its own this service reads, besides NATS and the task limits. */
    public Set<Group> groups() {
      return groups;
    }
  }

  /** The groups of settings a service may read besides the shared ones. */
  public enum Group {
    GIT,
    CALLBACKS,
    FRONTEND,
    WORKER,
    OBSERVER
  }

  public enum ScalerKind {
    PROCESS,
    DOCKER,
    KUBERNETES,
    /** Another controller (KEDA, an HPA) scales the workers: the observer only reports. */
    NONE
  }

  public record NatsSettings(String url, String user, String password, int replicas) {}

  /** Where a service serves its Prometheus metrics; port 0: any free port (logged). */
  public record MetricsSettings(String host, int port) {}

  /**
   * The most each JetStream store may hold, shared by every service (each declares the stores).
   * Past it JetStream refuses writes; nothing stored is dropped to make room.
   *
   * @param results the result zips of every user
   * @param userBucket one user's task records
   * @param queue the task queue, and the injection requests
   * @param files staged uploads, and the injected files
   */
  public record StorageCaps(long results, long userBucket, long queue, long files) {
    public static final StorageCaps DEFAULTS =
        new StorageCaps(
            DEFAULT_RESULTS_STORE_MAX_BYTES,
            DEFAULT_USER_BUCKET_MAX_BYTES,
            DEFAULT_QUEUE_MAX_BYTES,
            DEFAULT_FILES_STORE_MAX_BYTES);
  }

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
      int maxFiles,
      long userResultQuota) {}

  public record GitSettings(
      Set<String> allowedHosts, boolean allowHttp, boolean allowPrivateHosts, long maxRepoBytes) {}

  /**
   * Task callbacks: each user's signing secret is derived from {@code signingKey}; without a key
   * the service takes no callback URLs.
   */
  public record CallbackSettings(String signingKey) {
    public boolean enabled() {
      return signingKey != null;
    }
  }

  public record FrontendSettings(
      String host,
      int port,
      String oidcIssuerUrl,
      String oidcClientId,
      String oidcEmailClaim,
      Set<String> adminEmails,
      long injectMaxBytes,
      int maxStreamsPerUser) {}

  public record WorkerSettings(
      int concurrency,
      Path workDir,
      Path cacheDir,
      Path goRoot,
      Duration shutdownGrace,
      BuildNetwork buildNetwork,
      long userCacheLimit,
      String searchPath,
      Path mavenSeed) {}

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
      String dockerHost,
      String composeProject,
      String workerNatsUser,
      String workerNatsPassword,
      Duration idleBucketAfter) {}

  public static final Duration DEFAULT_TASK_TTL = Duration.ofMinutes(20);
  public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofSeconds(20);
  public static final Duration DEFAULT_BUILD_TIMEOUT = Duration.ofSeconds(120);

  /** The largest file injectFile accepts. */
  public static final long DEFAULT_INJECT_MAX_BYTES = 64L << 20;

  /** Files and directories a task's checkout and writable directories may hold together. */
  public static final int DEFAULT_MAX_FILES = 100_000;

  /** What one user's build caches (Go, pip, npm) may hold on a worker before the oldest go. */
  public static final long DEFAULT_USER_CACHE_LIMIT = 2L << 30;

  public static final int MIN_SIGNING_KEY_LENGTH = 32;

  public static final int DEFAULT_MAX_ACTIVE_TASKS = 80;

  /** Event streams (task list, live output) one user may hold open at once. */
  public static final int DEFAULT_MAX_STREAMS_PER_USER = 8;

  public static final String DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
  public static final long DEFAULT_RESULTS_STORE_MAX_BYTES = 4L << 30;
  public static final long DEFAULT_USER_BUCKET_MAX_BYTES = 64L << 20;
  public static final long DEFAULT_QUEUE_MAX_BYTES = 256L << 20;
  public static final long DEFAULT_FILES_STORE_MAX_BYTES = 1L << 30;
  public static final long DEFAULT_TASK_MEMORY_LIMIT = 512L << 20;
  public static final int DEFAULT_TASK_MAX_PROCESSES = 128;
  public static final long DEFAULT_TASK_MAX_OUTPUT_BYTES = 1L << 20;
  public static final long DEFAULT_RESULT_MAX_BYTES = 16L << 20;
  public static final int DEFAULT_TASK_MAX_ATTEMPTS = 3;

  /** How long a worker holds a task between lease extensions before another may take it. */
  public static final Duration DEFAULT_TASK_LEASE = Duration.ofSeconds(30);

  public static final long DEFAULT_TASK_DISK_LIMIT = 1L << 30;
  public static final long DEFAULT_GIT_MAX_REPO_BYTES = 100L << 20;
  public static final String DEFAULT_FRONTEND_HOST = "127.0.0.1";
  public static final int DEFAULT_FRONTEND_PORT = 8080;
  public static final String DEFAULT_OIDC_EMAIL_CLAIM = "email";
  public static final int DEFAULT_WORKER_CONCURRENCY = 1;
  public static final String DEFAULT_SEARCH_PATH = "/usr/local/bin:/usr/bin:/bin";
  public static final Duration DEFAULT_WORKER_SHUTDOWN_GRACE = Duration.ofSeconds(8);
  public static final Duration DEFAULT_OBSERVER_INTERVAL = Duration.ofSeconds(5);
  public static final int DEFAULT_CONGESTION_THRESHOLD = 10;
  public static final int DEFAULT_MIN_WORKERS = 3;
  public static final int DEFAULT_MAX_WORKERS = 10;
  public static final Duration DEFAULT_SCALE_DOWN_AFTER = Duration.ofSeconds(30);
  public static final String DEFAULT_WORKER_COMMAND = "java -jar worker/target/worker-all.jar";
  public static final String DEFAULT_WORKER_DEPLOYMENT = "gitfaas-worker";
  public static final String DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";
  public static final String DEFAULT_COMPOSE_PROJECT = "gitfaas";

  /** How long a user's task bucket stays with no task in it and no write before it is removed. */
  public static final Duration DEFAULT_IDLE_BUCKET_AFTER = Duration.ofDays(1);

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
            env.string("NATS_URL", DEFAULT_NATS_URL),
            env.string("NATS_USER", null),
            env.string("NATS_PASSWORD", null),
            env.integer("NATS_REPLICAS", 1, 1, 5));
    env.require(
        (nats.user() == null) == (nats.password() == null),
        "NATS_USER",
        "NATS_USER and NATS_PASSWORD must be set together");
    var storage =
        new StorageCaps(
            env.size("RESULTS_STORE_MAX_BYTES", DEFAULT_RESULTS_STORE_MAX_BYTES, M, 1024 * G),
            env.size("USER_BUCKET_MAX_BYTES", DEFAULT_USER_BUCKET_MAX_BYTES, 64 * K, G),
            env.size("QUEUE_MAX_BYTES", DEFAULT_QUEUE_MAX_BYTES, M, 1024 * G),
            env.size("FILES_STORE_MAX_BYTES", DEFAULT_FILES_STORE_MAX_BYTES, M, 1024 * G));
    int maxActive = env.integer("MAX_ACTIVE_TASKS_PER_USER", DEFAULT_MAX_ACTIVE_TASKS, 1, 100_000);
    long resultMax = env.size("RESULT_MAX_BYTES", DEFAULT_RESULT_MAX_BYTES, 64 * K, 4 * G);
    var limits =
        new TaskLimits(
            maxActive,
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
            env.size("TASK_MEMORY_LIMIT", DEFAULT_TASK_MEMORY_LIMIT, 16 * M, 64 * G),
            env.integer("TASK_MAX_PROCESSES", DEFAULT_TASK_MAX_PROCESSES, 1, 100_000),
            env.size("TASK_MAX_OUTPUT_BYTES", DEFAULT_TASK_MAX_OUTPUT_BYTES, K, G),
            resultMax,
            env.integer("TASK_MAX_ATTEMPTS", DEFAULT_TASK_MAX_ATTEMPTS, 1, 100),
            env.duration(
                "TASK_LEASE", DEFAULT_TASK_LEASE, Duration.ofSeconds(1), Duration.ofMinutes(10)),
            env.size("TASK_DISK_LIMIT", DEFAULT_TASK_DISK_LIMIT, M, 1024 * G),
            env.integer("TASK_MAX_FILES", DEFAULT_MAX_FILES, 100, 100_000_000),
            // By default a user's results may fill every active task's largest zip once.
            env.size("USER_RESULT_QUOTA", resultMax * maxActive, M, 1024 * G));
    // Read by logback itself (logback.xml); checked here so a typo stops the service, with a word.
    String logFormat = env.string("LOG_FORMAT", "text");
    env.require(
        logFormat.equals("text") || logFormat.equals("json"), "LOG_FORMAT", "must be text or json");
    Set<Group> own = service.groups();
    var git =
        !own.contains(Group.GIT)
            ? null
            : new GitSettings(
                env.list("GIT_ALLOWED_HOSTS"),
                env.bool("GIT_ALLOW_HTTP", false),
                env.bool("GIT_ALLOW_PRIVATE_HOSTS", false),
                env.size("GIT_MAX_REPO_BYTES", DEFAULT_GIT_MAX_REPO_BYTES, M, 16 * G));
    var callbacks =
        !own.contains(Group.CALLBACKS)
            ? null
            : new CallbackSettings(blankAsNull(env.string("CALLBACK_SIGNING_KEY", null)));
    if (callbacks != null && callbacks.enabled()) {
      env.require(
          callbacks.signingKey().length() >= MIN_SIGNING_KEY_LENGTH,
          "CALLBACK_SIGNING_KEY",
          "must be at least " + MIN_SIGNING_KEY_LENGTH + " characters (e.g. openssl rand -hex 32)");
    }
    var frontend =
        !own.contains(Group.FRONTEND)
            ? null
            : new FrontendSettings(
                env.string("FRONTEND_HOST", DEFAULT_FRONTEND_HOST),
                env.integer("FRONTEND_PORT", DEFAULT_FRONTEND_PORT, 0, 65535),
                stripTrailingSlash(env.string("OIDC_ISSUER_URL", null)),
                env.string("OIDC_CLIENT_ID", null),
                env.string("OIDC_EMAIL_CLAIM", DEFAULT_OIDC_EMAIL_CLAIM),
                env.list("ADMIN_EMAILS"),
                env.size("INJECT_MAX_BYTES", DEFAULT_INJECT_MAX_BYTES, K, 4 * G),
                env.integer("MAX_STREAMS_PER_USER", DEFAULT_MAX_STREAMS_PER_USER, 1, 1000));
    if (frontend != null) {
      env.require(frontend.oidcIssuerUrl() != null, "OIDC_ISSUER_URL", "required by the frontend");
      env.require(frontend.oidcClientId() != null, "OIDC_CLIENT_ID", "required by the frontend");
    }
    String tmp = System.getProperty("java.io.tmpdir");
    var worker =
        !own.contains(Group.WORKER)
            ? null
            : new WorkerSettings(
                env.integer("WORKER_CONCURRENCY", DEFAULT_WORKER_CONCURRENCY, 1, 64),
                Path.of(env.string("WORKER_WORK_DIR", tmp + "/gitfaas-work")),
                Path.of(env.string("WORKER_CACHE_DIR", tmp + "/gitfaas-cache")),
                optionalPath(env.string("GOROOT", null)),
                env.duration(
                    "WORKER_SHUTDOWN_GRACE",
                    DEFAULT_WORKER_SHUTDOWN_GRACE,
                    Duration.ZERO,
                    Duration.ofMinutes(10)),
                env.choice("BUILD_NETWORK", BuildNetwork.class, BuildNetwork.REGISTRIES),
                env.size("USER_CACHE_LIMIT", DEFAULT_USER_CACHE_LIMIT, 64 * M, 1024 * G),
                // Where the worker looks for bwrap and the toolchains it runs.
                env.string("PATH", DEFAULT_SEARCH_PATH),
                Path.of(env.string("MAVEN_SEED_DIR", defaultMavenSeed())));
    var observer =
        !own.contains(Group.OBSERVER)
            ? null
            : new ObserverSettings(
                env.duration(
                    "OBSERVER_INTERVAL",
                    DEFAULT_OBSERVER_INTERVAL,
                    Duration.ofMillis(100),
                    Duration.ofMinutes(10)),
                env.integer("CONGESTION_THRESHOLD", DEFAULT_CONGESTION_THRESHOLD, 0, 1_000_000),
                env.integer("MIN_WORKERS", DEFAULT_MIN_WORKERS, 0, 1000),
                env.integer("MAX_WORKERS", DEFAULT_MAX_WORKERS, 1, 1000),
                env.choice("SCALER", ScalerKind.class, ScalerKind.PROCESS),
                env.duration(
                    "SCALE_DOWN_AFTER",
                    DEFAULT_SCALE_DOWN_AFTER,
                    Duration.ZERO,
                    Duration.ofHours(1)),
                env.string("WORKER_COMMAND", DEFAULT_WORKER_COMMAND),
                Path.of(env.string("OBSERVER_STATE_DIR", tmp + "/gitfaas-observer")),
                env.string("KUBERNETES_NAMESPACE", null),
                env.string("WORKER_DEPLOYMENT", DEFAULT_WORKER_DEPLOYMENT),
                dockerHost(env),
                env.string("COMPOSE_PROJECT", DEFAULT_COMPOSE_PROJECT),
                env.string("WORKER_NATS_USER", null),
                env.string("WORKER_NATS_PASSWORD", null),
                env.duration(
                    "IDLE_BUCKET_AFTER",
                    DEFAULT_IDLE_BUCKET_AFTER,
                    Duration.ofSeconds(1),
                    Duration.ofDays(365)));
    if (observer != null) {
      env.require(
          observer.minWorkers() <= observer.maxWorkers(),
          "MIN_WORKERS",
          "must not exceed MAX_WORKERS");
      env.require(
          (observer.workerNatsUser() == null) == (observer.workerNatsPassword() == null),
          "WORKER_NATS_USER",
          "WORKER_NATS_USER and WORKER_NATS_PASSWORD must be set together");
    }
    env.check();
    var metrics =
        new MetricsSettings(
            env.string("METRICS_HOST", "127.0.0.1"), env.integer("METRICS_PORT", 0, 0, 65535));
    return new Settings(nats, metrics, storage, limits, git, callbacks, frontend, worker, observer);
  }

  /** Where scripts/install.sh puts the Maven seed for this user. */
  static String defaultMavenSeed() {
    return System.getProperty("user.home") + "/.cache/gitfaas/maven-seed";
  }

  private static String blankAsNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static Path optionalPath(String path) {
    return path == null ? null : Path.of(path);
  }

  private static String stripTrailingSlash(String url) {
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** DOCKER_HOST as Docker writes it: unix:///path/to/socket, or tcp://host:port. */
  private static String dockerHost(Env env) {
    String value = env.string("DOCKER_HOST", DEFAULT_DOCKER_HOST);
    env.require(
        value.matches("unix:///\\S+|tcp://[A-Za-z0-9.-]+:\\d{1,5}"),
        "DOCKER_HOST",
        "must be unix:///path/to/docker.sock or tcp://host:port");
    return value;
  }
}
