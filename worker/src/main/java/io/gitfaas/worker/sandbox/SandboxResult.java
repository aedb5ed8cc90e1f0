package io.gitfaas.worker.sandbox;

import java.time.Duration;

/**
 * How a sandboxed program ended and what it used.
 *
 * @param exitCode the program's exit code, or 128 + signal when a signal ended it
 * @param timedOut whether it was killed at its time limit
 * @param peakMemoryBytes null where the host cannot measure it
 * @param cpuMillis null where the host cannot measure it
 */
public record SandboxResult(
    int exitCode,
    boolean timedOut,
    Duration wallTime,
    long stdoutBytes,
    long stderrBytes,
    boolean stdoutTruncated,
    boolean stderrTruncated,
    boolean oomKilled,
    boolean processLimitHit,
    boolean diskExceeded,
    boolean cacheExceeded,
    Long peakMemoryBytes,
    Long cpuMillis) {

  static final int SIGXFSZ = 25;

  public boolean succeeded() {
    return exitCode == 0 && !timedOut && !oomKilled && !diskExceeded && !cacheExceeded;
  }

  /** The signal that ended the program, when it was one (shell convention: 128 + n). */
  public Integer signal() {
    return exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : null;
  }

  /** Which limit stopped the program, as its setting's name; null when none did. */
  public String limitHit() {
    if (diskExceeded || Integer.valueOf(SIGXFSZ).equals(signal())) {
      return "TASK_DISK_LIMIT";
    }
    if (oomKilled) {
      return "TASK_MEMORY_LIMIT";
    }
    if (cacheExceeded) {
      return "USER_CACHE_LIMIT";
    }
    if (processLimitHit) {
      return "TASK_MAX_PROCESSES"; // forks failed: whatever it printed, the run was cut short
    }
    return timedOut ? "TIMEOUT" : null;
  }
}
