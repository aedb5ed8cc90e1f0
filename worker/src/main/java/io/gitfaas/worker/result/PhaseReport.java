package io.gitfaas.worker.result;

import io.gitfaas.worker.sandbox.SandboxResult;

/**
 * What one phase (clone, a build step, the run) took and how it ended, for result.json.
 *
 * @param limit the setting whose limit stopped it, or null
 */
public record PhaseReport(
    long wallMs, Long cpuMs, Long peakMemoryBytes, Integer exitCode, Integer signal, Limit limit) {

  /** A sandboxed phase; a time limit it hit is {@code timeout} (the run's or the build's). */
  public static PhaseReport of(SandboxResult r, Limit timeout) {
    Limit limit = r.limitHit();
    return new PhaseReport(
        r.wallTime().toMillis(),
        r.cpuMillis(),
        r.peakMemoryBytes(),
        r.exitCode(),
        r.signal(),
        limit == null ? null : limit.timedOutAs(timeout));
  }

  /** A phase that ran in the worker itself (the clone). */
  public static PhaseReport wall(long wallMs) {
    return new PhaseReport(wallMs, null, null, null, null, null);
  }
}
