package io.gitfaas.testkit;

import io.gitfaas.config.Settings.NatsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real nats-server with JetStream on a free loopback port and its own store directory. */
public final class NatsTestServer implements AutoCloseable {
  private final int port;
  private final Path storeDir;
  private final Path log;
  private Process process;

  public NatsTestServer() {
    this(FreePort.pick());
  }

  private NatsTestServer(int port) {
    this.port = port;
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
    cmd.addAll(
        List.of(
            "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd", storeDir.toString()));
    try {
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Processes.awaitPort(process, port, Duration.ofSeconds(20), "nats-server");
  }

  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  public NatsSettings settings() {
    return new NatsSettings(url(), null, null, 1);
  }

  @Override
  public void close() {
    Processes.stop(process);
    TempDirs.deleteQuietly(storeDir);
  }
}
