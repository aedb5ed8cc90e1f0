package io.gitfaas.worker.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One program to run in the sandbox: what it may see, what it gets, and what it may use.
 *
 * @param command argv inside the sandbox; never interpreted by a shell
 * @param binds host path to sandbox path, writable
 * @param readOnlyBinds host path to sandbox path, read-only
 * @param env the whole environment of the program: nothing else is passed through
 * @param network whether the program shares the host's network (only dependency downloads)
 */
public record SandboxSpec(
    List<String> command,
    String workingDir,
    Map<Path, String> binds,
    Map<Path, String> readOnlyBinds,
    Map<String, String> env,
    boolean network,
    Duration timeout,
    long maxOutputBytes,
    Limits limits) {

  public SandboxSpec {
    command = List.copyOf(command);
    binds = Map.copyOf(binds);
    readOnlyBinds = Map.copyOf(readOnlyBinds);
    env = Map.copyOf(env);
    Objects.requireNonNull(timeout);
    Objects.requireNonNull(limits);
  }

  /**
   * What the program as a whole may use.
   *
   * @param diskBytes the most the writable directories in {@code watched} may hold; also the
   *     largest file the program may write
   * @param cache a writable cache kept across tasks (null: none), which may hold {@code cacheBytes}
   */
  public record Limits(
      long memoryBytes,
      int maxProcesses,
      long diskBytes,
      List<Path> watched,
      Path cache,
      long cacheBytes) {
    public Limits {
      watched = List.copyOf(watched);
    }

    /** Limits with no cache to watch. */
    public Limits(long memoryBytes, int maxProcesses, long diskBytes, List<Path> watched) {
      this(memoryBytes, maxProcesses, diskBytes, watched, null, 0);
    }
  }
}
