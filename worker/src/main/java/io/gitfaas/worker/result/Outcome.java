package io.gitfaas.worker.result;

import io.gitfaas.task.TaskStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What became of one run of a task: the terminal status with a reason a user can act on, and the
 * figures that go into result.json.
 */
public final class Outcome {
  private TaskStatus status = TaskStatus.FINISHED;
  private String reason;
  private Integer exitCode;
  private Integer signal;
  private String runtime;
  private String commit;
  private String limitHit;
  private final Map<String, Long> timingsMs = new LinkedHashMap<>();
  private final Map<String, PhaseReport> phases = new LinkedHashMap<>();
  private boolean stdoutTruncated;
  private boolean stderrTruncated;
  private boolean outputTruncated;

  public void fail(TaskStatus status, String reason, String limitHit) {
    this.status = status;
    this.reason = reason;
    this.limitHit = limitHit;
  }

  public void timing(String phase, long millis) {
    timingsMs.put(phase, millis);
  }

  public void phase(String name, PhaseReport report) {
    phases.put(name, report);
  }

  public Map<String, PhaseReport> phases() {
    return java.util.Collections.unmodifiableMap(phases);
  }

  public void exit(int exitCode, Integer signal) {
    this.exitCode = exitCode;
    this.signal = signal;
  }

  public void runtime(String runtime) {
    this.runtime = runtime;
  }

  public void commit(String commit) {
    this.commit = commit;
  }

  public void truncated(boolean stdout, boolean stderr) {
    this.stdoutTruncated = stdout;
    this.stderrTruncated = stderr;
  }

  public void outputTruncated() {
    this.outputTruncated = true;
  }

  public TaskStatus status() {
    return status;
  }

  public String reason() {
    return reason;
  }

  public Integer exitCode() {
    return exitCode;
  }

  public Integer signal() {
    return signal;
  }

  public String runtime() {
    return runtime;
  }

  public String commit() {
    return commit;
  }

  public String limitHit() {
    return limitHit;
  }

  public Map<String, Long> timingsMs() {
    return Map.copyOf(timingsMs);
  }

  public Map<String, Boolean> truncated() {
    return Map.of("stdout", stdoutTruncated, "stderr", stderrTruncated, "output", outputTruncated);
  }
}
