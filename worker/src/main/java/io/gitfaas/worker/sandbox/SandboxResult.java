package io.gitfaas.worker.sandbox;

import io.gitfaas.worker.result.Limit;
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

  /** Which limit stopped the program; null when none did. */
  public Limit limitHit() {
    if (diskExceeded || Integer.valueOf(SIGXFSZ).equals(signal())) {
      return Limit.DISK;
    }
    if (oomKilled) {
      return Limit.MEMORY;
    }
    if (cacheExceeded) {
      return Limit.USER_CACHE;
    }
    if (processLimitHit) {
      return Limit.PROCESSES; // forks failed: whatever it printed, the run was cut short
    }
    return timedOut ? Limit.TIME : null;
  }
}
