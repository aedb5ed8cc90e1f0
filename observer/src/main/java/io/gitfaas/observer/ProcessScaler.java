package io.gitfaas.observer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers as processes on this machine. Each started worker leaves a pid file in the state
 * directory, so an observer that restarts adopts the workers it finds instead of starting anew; a
 * worker that dies is replaced.
 */
public final class ProcessScaler implements Scaler {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessScaler.class);

  private final List<String> command;
  private final Map<String, String> env;
  private final Path stateDir;
  private final List<ProcessHandle> workers = new ArrayList<>();
  private int target;

  /**
   * @param command the worker's argv (no shell)
   * @param env the workers' whole environment
   */
  public ProcessScaler(List<String> command, Map<String, String> env, Path stateDir)
      throws IOException {
    this.command = List.copyOf(command);
    this.env = Map.copyOf(env);
    this.stateDir = Files.createDirectories(stateDir);
    adopt();
    target = workers.size();
  }

  private void adopt() throws IOException {
    try (Stream<Path> files = Files.list(stateDir)) {
      for (Path pidFile : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
        Optional<ProcessHandle> h = read(pidFile).flatMap(ProcessHandle::of);
        if (h.isPresent() && h.get().isAlive()) {
          workers.add(h.get());
          LOG.info("adopted worker {}", h.get().pid());
        } else {
          Files.deleteIfExists(pidFile);
        }
      }
    }
  }

  @Override
  public synchronized int current() {
    workers.removeIf(h -> !h.isAlive() && forget(h));
    return workers.size();
  }

  @Override
  public synchronized void scaleTo(int n) throws IOException {
    target = n;
    current();
    while (workers.size() < n) {
      start();
    }
    while (workers.size() > n) {
      ProcessHandle newest = workers.remove(workers.size() - 1);
      LOG.info("stopping worker {} (SIGTERM: it finishes or hands back its task)", newest.pid());
      newest.destroy();
      forget(newest); // it is leaving: a restarted observer must not adopt it
    }
  }

  @Override
  public synchronized void heal() throws IOException {
    int alive = current();
    if (alive < target) {
      LOG.warn("{} worker(s) died; starting replacements", target - alive);
      scaleTo(target);
    }
  }

  /** Stops every worker this scaler runs (the observer's own shutdown in the local stack). */
  public synchronized void stopAll() {
    scaleTo0();
  }

  private void scaleTo0() {
    for (ProcessHandle h : workers) {
      h.destroy();
    }
    for (ProcessHandle h : workers) {
      h.onExit().join();
      forget(h);
    }
    workers.clear();
  }

  private void start() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(env);
    Path log = stateDir.resolve("worker-" + System.nanoTime() + ".log");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Process p = pb.start();
    Files.writeString(stateDir.resolve(p.pid() + ".pid"), Long.toString(p.pid()));
    Files.move(log, stateDir.resolve("worker-" + p.pid() + ".log"));
    workers.add(p.toHandle());
    LOG.info("started worker {}", p.pid());
  }

  private boolean forget(ProcessHandle h) {
    try {
      Files.deleteIfExists(stateDir.resolve(h.pid() + ".pid"));
    } catch (IOException e) {
      LOG.warn("could not remove the pid file of worker {}", h.pid());
    }
    return true;
  }

  private static Optional<Long> read(Path pidFile) {
    try {
      return Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public String describe() {
    return "process (" + String.join(" ", command) + ")";
  }
}
