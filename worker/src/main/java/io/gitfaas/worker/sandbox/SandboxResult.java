package io.gitfaas.worker.sandbox;

import java.time.Duration;

/**
 * How a sandboxed program ended.
 *
 * @param exitCode the program's exit code, or 128 + signal when a signal ended it
 * @param timedOut whether it was killed at its time limit
 */
public record SandboxResult(
    int exitCode,
    boolean timedOut,
    Duration wallTime,
    long stdoutBytes,
    long stderrBytes,
    boolean stdoutTruncated,
    boolean stderrTruncated) {

  public boolean succeeded() {
    return exitCode == 0 && !timedOut;
  }

  /** The signal that ended the program, when it was one (shell convention: 128 + n). */
  public Integer signal() {
    return exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : null;
  }
}
