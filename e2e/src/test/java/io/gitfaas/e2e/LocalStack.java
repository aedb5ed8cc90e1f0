package io.gitfaas.e2e;

import io.gitfaas.config.Settings;
import io.gitfaas.devidp.DevIdentityProviderMain;
import io.gitfaas.frontend.Frontend;
import io.gitfaas.injector.InjectorMain;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.observer.ObserverMain;
import io.gitfaas.observer.ProcessScaler;
import io.gitfaas.testkit.FreePort;
import io.gitfaas.testkit.GitHttpServer;
import io.gitfaas.testkit.NatsTestServer;
import io.gitfaas.testkit.Processes;
import io.gitfaas.testkit.ProjectFiles;
import io.gitfaas.testkit.TempDirs;
import io.gitfaas.worker.WorkerMain;
import io.javalin.Javalin;
import io.nats.client.Connection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * The whole stack as `make run` starts it, on free ports: nats-server, the dev identity provider,
 * the frontend, oauth2-proxy (through the project's own script) and worker processes.
 */
final class LocalStack implements AutoCloseable {
  static final String CLIENT_ID = "gitfaas-e2e";

  final Path root = projectRoot();
  final NatsTestServer nats = NatsTestServer.withAuth();
  final GitHttpServer git = new GitHttpServer();
  final Path dir;
  final Map<String, String> env = new HashMap<>();
  final MockOAuth2Server idp;
  final Connection connection;
  private final Connection injectorConnection;
  private final Thread injector;
  final Javalin frontend;
  private final Process proxy;
  private final List<Process> workers = new ArrayList<>();
  private final List<Process> services = new ArrayList<>();
  final int proxyPort = FreePort.pick();

  LocalStack(Map<String, String> overrides) throws Exception {
    dir = Files.createTempDirectory("gitfaas-e2e-");
    int idpPort = FreePort.pick();
    idp = DevIdentityProviderMain.start("127.0.0.1", idpPort);
    // The provider names itself by the host it was asked under: one name for everyone.
    env.put("OIDC_ISSUER_URL", idp.issuerUrl("default").toString());
    env.put("OIDC_CLIENT_ID", CLIENT_ID);
    env.put("OIDC_EMAIL_CLAIM", "sub");
    env.put("ADMIN_EMAILS", "root@example.com");
    env.put("FRONTEND_PORT", "0");
    env.put("GIT_ALLOW_HTTP", "true");
    env.put("GIT_ALLOW_PRIVATE_HOSTS", "true");
    env.put("WORKER_WORK_DIR", dir.resolve("work").toString());
    env.put(
        "WORKER_CACHE_DIR",
        Path.of(System.getProperty("java.io.tmpdir"), "gitfaas-test-cache").toString());
    // A signing key of this stack's own, as scripts/run-local.sh makes one.
    env.put("CALLBACK_SIGNING_KEY", "k" + UUID.randomUUID() + UUID.randomUUID());
    env.putAll(overrides);
    Map<String, String> frontendEnv = new HashMap<>(env);
    frontendEnv.putAll(nats.env("frontend"));
    Settings settings = Settings.fromEnv(frontendEnv, Settings.Service.FRONTEND);
    connection = NatsConnector.connect(settings.nats(), "e2e-frontend");
    NatsResources.of(connection, settings).ensure();
    frontend = Frontend.create(settings, connection).start();
    Map<String, String> injectorEnv = new HashMap<>(env);
    injectorEnv.putAll(nats.env("injector"));
    Settings injectorSettings = Settings.fromEnv(injectorEnv, Settings.Service.INJECTOR);
    injectorConnection = NatsConnector.connect(injectorSettings.nats(), "e2e-injector");
    injector =
        InjectorMain.start(
            injectorConnection, NatsResources.of(injectorConnection, injectorSettings));

    proxy = startProxy(frontendUrl(), proxyPort, "oauth2-proxy");
  }

  /**
   * oauth2-proxy through the project's script, in front of {@code upstream}, with this stack's
   * provider and cookie secret: a session cookie from one of the stack's proxies serves on all.
   */
  private Process startProxy(String upstream, int port, String log) throws IOException {
    var pb =
        new ProcessBuilder(root.resolve("scripts/oauth2-proxy.sh").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(log + ".log").toFile());
    pb.environment().putAll(env);
    pb.environment().put("OIDC_CLIENT_SECRET", "e2e-secret");
    pb.environment().put("COOKIE_SECRET", "0123456789abcdef0123456789abcdef");
    pb.environment().put("UPSTREAM", upstream);
    pb.environment().put("PROXY_PORT", Integer.toString(port));
    Process p = pb.start();
    Processes.awaitPort(p, port, Duration.ofSeconds(30), "oauth2-proxy");
    return p;
  }

  /** Another oauth2-proxy on {@code port} in front of {@code upstream}, stopped with the stack. */
  Process addProxy(String upstream, int port, String log) throws IOException {
    Process p = startProxy(upstream, port, log);
    services.add(p);
    return p;
  }

  /**
   * One of the project's services from its shaded jar (as its image and `make run` start it), in a
   * process of its own with the stack's settings and its NATS user, stopped with the stack.
   */
  Process startJar(String module, Map<String, String> extra) throws IOException {
    Path jar = root.resolve(module + "/target/" + module + "-all.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: mvn install builds it");
    }
    Process p =
        startService(
            List.of("-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString()), module, module, extra);
    services.add(p);
    return p;
  }

  /** An ID token as oauth2-proxy forwards it, for calls straight to the frontend. */
  String idToken(String email) {
    return idp.issueToken(
            "default",
            CLIENT_ID,
            new DefaultOAuth2TokenCallback(
                "default", email, "JWT", List.of(CLIENT_ID), Map.of("email_verified", true), 3600))
        .serialize();
  }

  String frontendUrl() {
    return "http://127.0.0.1:" + frontend.port();
  }

  String baseUrl() {
    return "http://localhost:" + proxyPort;
  }

  /** A worker in a process of its own, with the same classpath as the tests. */
  Process startWorker() throws IOException {
    Process p =
        startService(
            List.of("-cp", System.getProperty("java.class.path"), WorkerMain.class.getName()),
            "worker",
            "worker-" + workers.size(),
            Map.of());
    workers.add(p);
    return p;
  }

  /**
   * An observer as it runs in a deployment: its own jar (what its image has, with only its own
   * dependencies: the tests' classpath mixes two Netty versions) in a process of its own, its
   * scaler from SCALER and the environment; stopped with the stack.
   */
  Process startObserverProcess(Map<String, String> overrides) throws IOException {
    return startJar("observer", overrides);
  }

  /** A service in a process of its own with its NATS user, logging to {@code <log>.log}. */
  private Process startService(
      List<String> javaArgs, String service, String log, Map<String, String> overrides)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(javaArgs);
    var pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log + ".log").toFile()));
    pb.environment().putAll(env);
    pb.environment().putAll(nats.env(service));
    pb.environment().putAll(overrides);
    return pb.start();
  }

  /** Waits until the log of every worker this stack started has said {@code text}. */
  void awaitWorkerLogs(String text, Duration wait) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    for (int i = 0; i < workers.size(); i++) {
      Path log = dir.resolve("worker-" + i + ".log");
      while (!Files.exists(log) || !Files.readString(log).contains(text)) {
        if (System.nanoTime() > deadline) {
          List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of("(no log)");
          String tail =
              String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
          Process p = workers.get(i);
          throw new AssertionError(
              "worker "
                  + i
                  + " never logged '"
                  + text
                  + "' ("
                  + (p.isAlive() ? "still running" : "exited with " + p.exitValue())
                  + "); its log ends:\n"
                  + tail);
        }
        Thread.sleep(100);
      }
    }
  }

  ProcessScaler scaler;
  private ScheduledExecutorService observerLoop;
  private Connection observerConnection;

  /** An observer in this process, whose process scaler starts and stops real workers. */
  ProcessScaler startObserver(Map<String, String> overrides) throws Exception {
    Map<String, String> observerEnv = new HashMap<>(env);
    observerEnv.putAll(nats.env("observer"));
    observerEnv.putAll(overrides);
    Settings settings = Settings.fromEnv(observerEnv, Settings.Service.OBSERVER);
    observerConnection = NatsConnector.connect(settings.nats(), "e2e-observer");
    scaler = new ProcessScaler(workerCommand(), workerEnv(), dir.resolve("observer-state"));
    observerLoop =
        ObserverMain.start(
            settings, observerConnection, NatsResources.of(observerConnection, settings), scaler);
    return scaler;
  }

  /** The worker command and environment, for a scaler that starts workers itself. */
  List<String> workerCommand() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName());
  }

  Map<String, String> workerEnv() {
    Map<String, String> out = new HashMap<>(System.getenv());
    out.putAll(env);
    out.putAll(nats.env("worker"));
    return out;
  }

  /** Stops every worker: SIGTERM, then SIGKILL if one lingers. */
  void stopWorkers() {
    workers.forEach(Processes::stop);
  }

  /** The cookie value scripts/login.sh prints for the user. */
  String login(String email) throws Exception {
    return login(email, baseUrl());
  }

  /** The cookie value scripts/login.sh prints for the user, signing in at {@code base}. */
  String login(String email, String base) throws Exception {
    return loginScript(Map.of(), email, base);
  }

  /** The ID token {@code scripts/login.sh --token} gets for the user from this stack's provider. */
  String loginToken(String email) throws Exception {
    return loginScript(
        Map.of("OIDC_CLIENT_ID", CLIENT_ID), "--token", email, env.get("OIDC_ISSUER_URL"));
  }

  private String loginScript(Map<String, String> extraEnv, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(root.resolve("scripts/login.sh").toString()));
    command.addAll(List.of(args));
    var pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0 || out.isEmpty()) {
      throw new IllegalStateException("login.sh failed: " + command + ": " + out);
    }
    return out;
  }

  String log(String name) throws IOException {
    Path p = dir.resolve(name);
    return Files.exists(p) ? Files.readString(p) : "";
  }

  @Override
  public void close() throws Exception {
    if (observerLoop != null) {
      observerLoop.shutdownNow();
      scaler.stopAll();
      observerConnection.close();
    }
    services.forEach(Processes::stop);
    workers.forEach(Processes::stop);
    Processes.stop(proxy);
    injector.interrupt();
    injector.join(10_000);
    injectorConnection.close();
    frontend.stop();
    connection.close();
    idp.shutdown();
    git.close();
    nats.close();
    TempDirs.deleteQuietly(dir);
  }

  static Path projectRoot() {
    return ProjectFiles.root();
  }
}
