package io.gitfaas.worker;

import io.gitfaas.callback.CallbackSigner;
import io.gitfaas.callback.NatsCallbackQueue;
import io.gitfaas.config.Settings;
import io.gitfaas.config.Settings.BuildNetwork;
import io.gitfaas.config.SettingsException;
import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.inject.InjectedFilesMirror;
import io.gitfaas.metrics.MetricsEndpoint;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.Admission;
import io.gitfaas.store.NatsResultStore;
import io.gitfaas.store.NatsTaskStore;
import io.gitfaas.task.NatsCancelSignal;
import io.gitfaas.worker.callback.CallbackSender;
import io.gitfaas.worker.egress.EgressDoors;
import io.gitfaas.worker.egress.EgressProxy;
import io.gitfaas.worker.fair.NatsFairShare;
import io.gitfaas.worker.git.CheckoutLimits;
import io.gitfaas.worker.git.RepositoryCloner;
import io.gitfaas.worker.limits.Cgroups;
import io.gitfaas.worker.runtime.JavaRuntime;
import io.gitfaas.worker.runtime.RuntimeTable;
import io.gitfaas.worker.runtime.RustRuntime;
import io.gitfaas.worker.sandbox.Sandbox;
import io.gitfaas.worker.sandbox.SandboxCommand;
import io.nats.client.Connection;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A worker process: pulls tasks and runs them in the sandbox until SIGTERM. */
public final class WorkerMain {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.fromEnv(System.getenv(), Settings.Service.WORKER);
    } catch (SettingsException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Worker worker;
    try {
      var endpoint =
          MetricsEndpoint.start("worker", settings.metrics().host(), settings.metrics().port());
      worker = Worker.start(settings);
      endpoint.healthyWhen(worker::healthy);
    } catch (IllegalStateException e) {
      LOG.error("worker cannot start: {}", e.getMessage());
      System.exit(3);
      return;
    } catch (IOException | RuntimeException e) {
      // Exit, not just end main: the metrics endpoint's threads would keep a worker that takes
      // no task alive.
      LOG.error("worker cannot start", e);
      System.exit(3);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping: no new tasks; running ones finish or go back to the queue");
                  worker.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
  }

  /** The worker's parts, started; tests start workers in-process through this too. */
  public static final class Worker implements AutoCloseable {
    private final Connection connection;
    private final TaskConsumer consumer;
    private final CallbackSender callbacks;
    private final CompletableFuture<Void> warmed;
    private final Duration shutdownGrace;

    private Worker(
        Connection connection,
        TaskConsumer consumer,
        CallbackSender callbacks,
        CompletableFuture<Void> warmed,
        Duration shutdownGrace) {
      this.connection = connection;
      this.consumer = consumer;
      this.callbacks = callbacks;
      this.warmed = warmed;
      this.shutdownGrace = shutdownGrace;
    }

    /** Healthy while its NATS connection is up and its task loops run. */
    public boolean healthy() {
      return NatsConnector.connected(connection).getAsBoolean() && consumer.running();
    }

    /** Whether the cache templates were built (or given up) within {@code wait}. */
    public boolean awaitWarm(Duration wait) throws InterruptedException {
      try {
        warmed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (ExecutionException | TimeoutException e) {
        return false;
      }
    }

    public static Worker start(Settings settings) throws IOException, InterruptedException {
      return start(settings, WorkerMain::halt);
    }

    /** As above; {@code onFatal} is told of an Error in a task loop (tests watch for it). */
    public static Worker start(Settings settings, Consumer<Error> onFatal)
        throws IOException, InterruptedException {
      var ws = settings.worker();
      Path workDir = ws.workDir().resolve(Long.toString(ProcessHandle.current().pid()));
      removeLeftovers(ws.workDir());
      Files.createDirectories(workDir);
      Path bwrap = findOnPath(ws.searchPath(), "bwrap");
      EgressDoors egress =
          ws.buildNetwork() == BuildNetwork.REGISTRIES
              ? new EgressDoors(workDir.resolve("egress"), EgressProxy.DEFAULT_ALLOWED)
              : null;
      Sandbox sandbox =
          new Sandbox(
              new SandboxCommand(bwrap, ws.workDir().resolve("identity")),
              findOnPath(ws.searchPath(), "prlimit"),
              Cgroups.detect(Path.of("/sys/fs/cgroup")));
      SandboxCommand.writeIdentity(ws.workDir().resolve("identity"));
      sandbox.selfCheck(workDir);
      Path goRoot = ws.goRoot() != null ? ws.goRoot() : goRoot();
      Connection connection = NatsConnector.connect(settings.nats(), "worker");
      try {
        // Workers create nothing: the frontend declares the streams, buckets and stores, and a
        // worker's NATS user may not. Until they exist the pull loops wait and retry.
        NatsResources resources = NatsResources.of(connection, settings);
        var cloner =
            new RepositoryCloner(
                new GitUrlPolicy(settings.git()),
                settings.git().maxRepoBytes(),
                new CheckoutLimits(settings.limits().diskLimit(), settings.limits().maxFiles()));
        var live = new NatsLiveOutput(connection);
        var executor =
            new TaskExecutor(
                cloner,
                RuntimeTable.standard(
                    goRoot,
                    javaRuntime(ws, settings.limits().memoryLimit()),
                    rustRuntime(ws.searchPath())),
                sandbox,
                settings.limits(),
                ws.cacheDir(),
                ws.userCacheLimit(),
                egress,
                new MirroredInjectedFiles(
                    new InjectedFilesMirror(resources), workDir.resolve("injected")),
                live);
        var fairShare = new NatsFairShare(connection, settings.limits().lease().dividedBy(3));
        // Every worker hears every cancellation, before it takes its first task.
        var cancels = new CancelRequests();
        new NatsCancelSignal(connection).listen(cancels::heard);
        var processor =
            new TaskProcessor(
                new NatsTaskStore(resources),
                new NatsResultStore(resources),
                new Admission(resources),
                executor,
                executor.reasons(),
                settings.limits(),
                workDir.resolve("tasks"),
                Clock.systemUTC(),
                live,
                cancels,
                new NatsCallbackQueue(connection),
                fairShare);
        var consumer =
            new TaskConsumer(
                connection, processor, ws.concurrency(), settings.limits().lease(), onFatal);
        consumer.start();
        var warmed =
            CompletableFuture.runAsync(
                () -> executor.warmTemplates(workDir.resolve("templates")),
                r -> {
                  Thread warm = new Thread(r, "warm-caches");
                  warm.setDaemon(true);
                  warm.start();
                });
        LOG.info("worker ready: {} task(s) at a time, Go at {}", ws.concurrency(), goRoot);
        CallbackSender callbacks =
            settings.callbacks().enabled()
                ? new CallbackSender(
                        connection,
                        new GitUrlPolicy(settings.git()),
                        new CallbackSigner(settings.callbacks().signingKey()),
                        CallbackSender.RETRY_AFTER,
                        Clock.systemUTC(),
                        onFatal)
                    .start()
                : null;
        return new Worker(connection, consumer, callbacks, warmed, ws.shutdownGrace());
      } catch (RuntimeException e) {
        connection.close();
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        if (callbacks != null) {
          callbacks.close();
        }
        consumer.stop(shutdownGrace);
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Ends the process at once: after an Error nothing in it, shutdown hooks included, is safe. */
  private static void halt(Error e) {
    Runtime.getRuntime().halt(70);
  }

  /** Workspaces of worker processes that died without cleaning up. */
  private static void removeLeftovers(Path workDir) throws IOException {
    if (!Files.isDirectory(workDir)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(workDir)) {
      dirs.filter(d -> d.getFileName().toString().matches("\\d+"))
          .filter(d -> ProcessHandle.of(Long.parseLong(d.getFileName().toString())).isEmpty())
          .forEach(Trees::removeQuietly);
    }
  }

  private static Path findOnPath(String searchPath, String name) {
    return onPath(searchPath, name)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    name
                        + " is not installed (apt-get install bubblewrap): tasks never run"
                        + " unsandboxed"));
  }

  /** Java where the host has a JDK (javac on the search path); pom.xml needs Maven as well. */
  private static JavaRuntime javaRuntime(Settings.WorkerSettings ws, long memoryLimit)
      throws IOException {
    Optional<Path> javac = onPath(ws.searchPath(), "javac");
    if (javac.isEmpty()) {
      LOG.warn("no JDK (javac) on PATH: Java tasks are not offered");
      return null;
    }
    Path mavenHome = onPath(ws.searchPath(), "mvn").map(WorkerMain::homeOf).orElse(null);
    if (mavenHome == null) {
      LOG.warn("no Maven (mvn) on PATH: Java tasks with a pom.xml are refused");
    }
    Path seed = Files.isDirectory(ws.mavenSeed()) ? ws.mavenSeed() : null;
    if (mavenHome != null && seed == null) {
      LOG.warn(
          "no Maven seed at {} (scripts/install.sh makes it): every Maven build downloads its"
              + " plugins",
          ws.mavenSeed());
    }
    Path settingsFile = JavaRuntime.writeSettings(ws.workDir().resolve("maven"));
    return new JavaRuntime(homeOf(javac.get()), mavenHome, seed, settingsFile, memoryLimit);
  }

  /** Rust where the host has a toolchain: rustc on the search path, or rustup's in ~/.cargo. */
  private static RustRuntime rustRuntime(String searchPath) throws InterruptedException {
    Optional<Path> rustc =
        onPath(searchPath, "rustc")
            .or(
                () ->
                    Optional.of(Path.of(System.getProperty("user.home"), ".cargo/bin/rustc"))
                        .filter(Files::isExecutable));
    if (rustc.isEmpty()) {
      LOG.warn("no Rust toolchain (rustc) on PATH: Rust tasks are not offered");
      return null;
    }
    try {
      Process p =
          new ProcessBuilder(rustc.get().toString(), "--print", "sysroot")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      Path sysroot = Path.of(out);
      if (p.waitFor() == 0 && Files.isExecutable(sysroot.resolve("bin/cargo"))) {
        return new RustRuntime(sysroot.toRealPath());
      }
      LOG.warn("Rust tasks are not offered: no cargo beside rustc ({})", out);
    } catch (IOException e) {
      LOG.warn("Rust tasks are not offered: {} failed: {}", rustc.get(), e.toString());
    }
    return null;
  }

  private static Optional<Path> onPath(String searchPath, String name) {
    for (String dir : searchPath.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The installation a tool's binary belongs to: the parent of its real bin directory. */
  private static Path homeOf(Path binary) {
    try {
      return binary.toRealPath().getParent().getParent();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path goRoot() throws IOException, InterruptedException {
    try {
      Process p = new ProcessBuilder("go", "env", "GOROOT").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0 && !out.isEmpty()) {
        return Path.of(out);
      }
      throw new IllegalStateException("'go env GOROOT' failed: " + out);
    } catch (IOException e) {
      throw new IllegalStateException("Go is not installed: set GOROOT or put go on PATH", e);
    }
  }
}
