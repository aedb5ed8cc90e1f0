package io.gitfaas.testkit;

import io.gitfaas.config.Settings.NatsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real nats-server with JetStream on a free loopback port and its own store directory; with
 * {@link #withAuth()} it runs the project's own configuration, one user per service.
 */
public final class NatsTestServer implements AutoCloseable {
  private final int port;
  private final Path storeDir;
  private final Path log;
  private final Map<String, String> passwords;
  private Process process;

  public NatsTestServer() {
    this(FreePort.pick(), Map.of());
  }

  /** The server with deploy/nats/nats-server.conf and fresh passwords for every service. */
  public static NatsTestServer withAuth() {
    Map<String, String> passwords = new HashMap<>();
    for (String service : List.of("frontend", "worker", "observer", "injector")) {
      // A leading letter: nats-server parses variable values, and digits may read as a date.
      passwords.put(service, "p" + UUID.randomUUID().toString().replace("-", ""));
    }
    return new NatsTestServer(FreePort.pick(), passwords);
  }

  private NatsTestServer(int port, Map<String, String> passwords) {
    this.port = port;
    this.passwords = Map.copyOf(passwords);
    try {
      this.storeDir = Files.createTempDirectory("gitfaas-nats-");
      this.log = storeDir.resolve("nats.log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    start();
  }

  /** Starts (again, after {@link #kill()}) on the same port and store. */
  public void start() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Binaries.find("nats-server").toString());
    if (!passwords.isEmpty()) {
      cmd.addAll(List.of("-c", ProjectFiles.resolve("deploy/nats/nats-server.conf").toString()));
    }
    cmd.addAll(
        List.of(
            "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd", storeDir.toString()));
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      passwords.forEach((service, pw) -> pb.environment().put(passwordVariable(service), pw));
      if (!passwords.isEmpty()) {
        pb.environment().putAll(localEnv());
      }
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Processes.awaitPort(process, port, Duration.ofSeconds(20), "nats-server");
  }

  /** The environment `make run` gives nats-server: deploy/nats/local.env's NAME=value lines. */
  private static Map<String, String> localEnv() {
    Map<String, String> env = new HashMap<>();
    try {
      for (String line : Files.readAllLines(ProjectFiles.resolve("deploy/nats/local.env"))) {
        if (line.matches("[A-Z_]+=[^ ]+")) {
          env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return env;
  }

  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Where the server keeps JetStream's files. */
  public Path storeDir() {
    return storeDir;
  }

  /** The running server's process id. */
  public long pid() {
    return process.pid();
  }

  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  /** Settings without credentials: only for a server started without auth. */
  public NatsSettings settings() {
    return new NatsSettings(url(), null, null, 1);
  }

  /** The environment a service connects with: NATS_URL and, with auth, its credentials. */
  public Map<String, String> env(String service) {
    Map<String, String> env = new HashMap<>();
    env.put("NATS_URL", url());
    if (!passwords.isEmpty()) {
      env.put("NATS_USER", service);
      env.put("NATS_PASSWORD", passwords.get(service));
    }
    return env;
  }

  /** The variable deploy/nats/nats-server.conf reads a service's password from. */
  public static String passwordVariable(String service) {
    return "GITFAAS_NATS_" + service.toUpperCase(java.util.Locale.ROOT) + "_PASSWORD";
  }

  @Override
  public void close() {
    Processes.stop(process);
    TempDirs.deleteQuietly(storeDir);
  }
}
