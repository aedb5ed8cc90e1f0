package io.gitfaas.worker.result;

import io.gitfaas.task.TaskStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What became of one run of a task: the terminal status with a reason a user can act on, and the
 * figures that go into result.json. Built once by the pipeline through a {@link Builder}.
 *
 * @param limitHit the limit that stopped the task, or null
 * @param timingsMs milliseconds per phase (queued, clone, build, run), in that order
 * @param phases how each phase ended, by name ("clone", "build: go build", "run", ...)
 */
public record Outcome(
    TaskStatus status,
    String reason,
    Integer exitCode,
    Integer signal,
    String runtime,
    String commit,
    Limit limitHit,
    Map<String, Long> timingsMs,
    Map<String, PhaseReport> phases,
    boolean stdoutTruncated,
    boolean stderrTruncated) {

  public Outcome {
    timingsMs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(timingsMs));
    phases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(phases));
  }

  /** A task that ended before anything ran, for the one reason given. */
  public static Outcome failed(TaskStatus status, String reason, Limit limit) {
    return new Builder().fail(status, reason, limit).build();
  }

  /** The same outcome, with how long the task waited in the queue first. */
  public Outcome queuedFor(long millis) {
    Map<String, Long> timings = new LinkedHashMap<>();
    timings.put("queued", millis);
    timings.putAll(timingsMs);
    return new Outcome(
        status,
        reason,
        exitCode,
        signal,
        runtime,
        commit,
        limitHit,
        timings,
        phases,
        stdoutTruncated,
        stderrTruncated);
  }

  /**
   * The same figures, ended {@code FINISHED_ERRORS} for {@code reason} whatever the program did
   * (its owner cancelled it: the kill, or an exit in the same instant, is not its doing).
   */
  public Outcome endedBy(String reason) {
    return new Outcome(
        TaskStatus.FINISHED_ERRORS,
        reason,
        exitCode,
        signal,
        runtime,
        commit,
        null,
        timingsMs,
        phases,
        stdoutTruncated,
        stderrTruncated);
  }

  /** Which outputs were cut short, for result.json. */
  public Map<String, Boolean> truncated(boolean output) {
    return Map.of("stdout", stdoutTruncated, "stderr", stderrTruncated, "output", output);
  }

  /** Collects the outcome as the pipeline's steps go; {@link #build} makes it final. */
  public static final class Builder {
    private TaskStatus status = TaskStatus.FINISHED;
    private String reason;
    private Integer exitCode;
    private Integer signal;
    private String runtime;
    private String commit;
    private Limit limitHit;
    private final Map<String, Long> timingsMs = new LinkedHashMap<>();
    private final Map<String, PhaseReport> phases = new LinkedHashMap<>();
    private boolean stdoutTruncated;
    private boolean stderrTruncated;

    public Builder fail(TaskStatus status, String reason, Limit limit) {
      this.status = status;
      this.reason = reason;
      this.limitHit = limit;
      return this;
    }

    public Builder timing(String phase, long millis) {
      timingsMs.put(phase, millis);
      return this;
    }

    public Builder phase(String name, PhaseReport report) {
      phases.put(name, report);
      return this;
    }

    public Builder exit(int exitCode, Integer signal) {
      this.exitCode = exitCode;
      this.signal = signal;
      return this;
    }

    public Builder runtime(String runtime) {
      this.runtime = runtime;
      return this;
    }

    public Builder commit(String commit) {
      this.commit = commit;
      return this;
    }

    public String commit() {
      return commit;
    }

    public Builder truncated(boolean stdout, boolean stderr) {
      this.stdoutTruncated = stdout;
      this.stderrTruncated = stderr;
      return this;
    }

    public Outcome build() {
      return new Outcome(
          status,
          reason,
          exitCode,
          signal,
          runtime,
          commit,
          limitHit,
          timingsMs,
          phases,
          stdoutTruncated,
          stderrTruncated);
    }
  }
}
