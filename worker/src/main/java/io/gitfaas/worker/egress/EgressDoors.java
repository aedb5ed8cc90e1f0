package io.gitfaas.worker.egress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens a way out for one download step: an egress proxy of its own on a socket of its own, closed
 * with the step. Its tunnel cap is the step's alone, and whatever it left open ends with it.
 */
public final class EgressDoors {
  private final Path dir;
  private final Set<String> allowed;
  private final AtomicLong opened = new AtomicLong();

  /**
   * @param dir where the sockets go: a short path, as a socket's path has at most 107 bytes
   */
  public EgressDoors(Path dir, Set<String> allowed) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.allowed = Set.copyOf(allowed);
  }

  public EgressProxy open() throws IOException {
    return new EgressProxy(dir.resolve(opened.incrementAndGet() + ".sock"), allowed, false);
  }
}
