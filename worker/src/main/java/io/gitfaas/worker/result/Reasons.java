package io.gitfaas.worker.result;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.worker.sandbox.SandboxResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Every reason a task's record gives for how it ended, worded in one place: what happened, in the
 * user's terms, and the setting behind a limit.
 */
public final class Reasons {
  private final TaskLimits limits;
  private final long userCacheLimit;

  public Reasons(TaskLimits limits, long userCacheLimit) {
    this.limits = limits;
    this.userCacheLimit = userCacheLimit;
  }

  public String cloneFailed(String why) {
    return "clone failed: " + why;
  }

  public String noRuntime(String supported) {
    return "no supported runtime at the repository root; supported: " + supported;
  }

  public String buildRefused(String why) {
    return "build refused: " + why;
  }

  public String buildTimedOut() {
    return "clone and build did not finish in "
        + seconds(limits.buildTimeout())
        + " (TASK_BUILD_TIMEOUT)";
  }

  public String buildNeedsNetwork(String step) {
    return "build needs to download dependencies ("
        + step
        + "), but builds on this service have no network (BUILD_NETWORK=off)";
  }

  /** A build step that a limit stopped, or that failed: the end of its log says why. */
  public String buildFailed(String step, SandboxResult r, Duration timeout, Path log)
      throws IOException {
    return "build failed ("
        + step
        + "): "
        + (r.limitHit() != null ? stoppedBy(r, timeout) : tail(log, 600));
  }

  /** A run that a limit stopped, or that exited non-zero; null for a run that went well. */
  public String runEnded(SandboxResult r) {
    if (r.limitHit() != null) {
      return stoppedBy(r, limits.runTimeout());
    }
    if (r.exitCode() != 0) {
      return r.signal() != null
          ? "killed by signal " + r.signal()
          : "exited with code " + r.exitCode();
    }
    return null;
  }

  public String expired(Duration waited) {
    return "expired: no worker took it within TASK_TTL ("
        + limits.ttl().toSeconds()
        + " s); it waited "
        + waited.toSeconds()
        + " s and was not run";
  }

  public String overResultQuota(long used, long zip) {
    return "the result ("
        + zip
        + " bytes) was not kept: this user's kept results hold "
        + used
        + " bytes, at least the "
        + limits.userResultQuota()
        + " a user may keep (USER_RESULT_QUOTA); room frees up as results expire (TASK_TTL)";
  }

  public String resultNotKept(String storeSays) {
    return "the program ended, but its result could not be kept: " + storeSays;
  }

  public String workerLostEveryTime() {
    return "the task was started "
        + limits.maxAttempts()
        + " times and its worker was lost each time (TASK_MAX_ATTEMPTS)";
  }

  /** What a limit did to a program that had {@code timeout} to run. */
  String stoppedBy(SandboxResult r, Duration timeout) {
    return switch (r.limitHit()) {
      case DISK -> "killed: files grew past " + bytes(limits.diskLimit()) + " (TASK_DISK_LIMIT)";
      case MEMORY ->
          "killed: out of memory, the limit is "
              + bytes(limits.memoryLimit())
              + " (TASK_MEMORY_LIMIT)";
      case USER_CACHE ->
          "killed: the build's caches grew past " + bytes(userCacheLimit) + " (USER_CACHE_LIMIT)";
      case TIME, RUN_TIMEOUT -> "killed after " + seconds(timeout) + " (TASK_RUN_TIMEOUT)";
      case PROCESSES ->
          "reached the process limit of "
              + limits.maxProcesses()
              + " (TASK_MAX_PROCESSES) and "
              + (r.timedOut()
                  ? "was killed after " + seconds(timeout)
                  : "exited with code " + r.exitCode());
      default -> "stopped by " + r.limitHit().setting();
    };
  }

  /** The end of a log, for a reason line: where compilers put the error. */
  static String tail(Path log, int maxChars) throws IOException {
    // Lenient: a build may print any bytes, and its failure is still the task's, not ours.
    String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "no output";
    }
    return text.length() <= maxChars ? text : "..." + text.substring(text.length() - maxChars);
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  static String bytes(long n) {
    if (n >= 1L << 30 && n % (1L << 30) == 0) {
      return (n >> 30) + " GiB";
    }
    return n >= 1L << 20 ? (n >> 20) + " MiB" : (n >> 10) + " KiB";
  }
}
