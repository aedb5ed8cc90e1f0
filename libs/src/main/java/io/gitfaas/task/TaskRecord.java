package io.gitfaas.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What a user sees of a task, as stored in the user's KV bucket. Immutable: every change makes a
 * new record through {@link #moveTo}, which enforces the status rule.
 */
public record TaskRecord(
    UUID taskId,
    TaskStatus status,
    String url,
    String ref,
    List<String> parameters,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    Integer exitCode,
    String reason,
    String error,
    int attempt,
    Long resultBytes,
    OutputHeads outputHeads,
    String callbackUrl,
    String requestId) {

  /**
   * The first {@link #MAX_BYTES} bytes of what the program printed, kept in the record when its
   * result zip could not be kept (past the user's quota, or the store full).
   */
  public record OutputHeads(String stdout, String stderr) {
    public static final int MAX_BYTES = 4096;
  }

  public TaskRecord {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(status, "status");
    parameters = parameters == null ? List.of() : List.copyOf(parameters);
  }

  public static TaskRecord pending(TaskRequest request) {
    return new TaskRecord(
        request.taskId(),
        TaskStatus.PENDING,
        request.url(),
        request.ref(),
        request.parameters(),
        request.createdAt(),
        null,
        null,
        null,
        null,
        null,
        0,
        null,
        null,
        request.callbackUrl(),
        request.requestId());
  }

  @JsonProperty("code")
  public int code() {
    return status.code();
  }

  @JsonIgnore
  public boolean isTerminal() {
    return status.isTerminal();
  }

  /** Claims the task for an attempt. */
  public TaskRecord executing(Instant now, int attempt) {
    requireMove(TaskStatus.EXECUTING);
    return new TaskRecord(
        taskId,
        TaskStatus.EXECUTING,
        url,
        ref,
        parameters,
        createdAt,
        now,
        null,
        null,
        reason,
        null,
        attempt,
        null,
        null,
        callbackUrl,
        requestId);
  }

  /** Hands the task back to the queue, e.g. after its worker died or stopped. */
  public TaskRecord requeued(String why) {
    requireMove(TaskStatus.PENDING);
    return new TaskRecord(
        taskId,
        TaskStatus.PENDING,
        url,
        ref,
        parameters,
        createdAt,
        null,
        null,
        null,
        why,
        null,
        attempt,
        null,
        null,
        callbackUrl,
        requestId);
  }

  public TaskRecord finished(
      TaskStatus terminal, Instant now, Integer exitCode, String reason, String error) {
    return finished(terminal, now, exitCode, reason, error, null, null);
  }

  /**
   * @param resultBytes the size of the result zip kept for this attempt; null when none was kept
   * @param outputHeads what the program printed first, when no zip was kept to hold it; else null
   */
  public TaskRecord finished(
      TaskStatus terminal,
      Instant now,
      Integer exitCode,
      String reason,
      String error,
      Long resultBytes,
      OutputHeads outputHeads) {
    if (!terminal.isTerminal()) {
      throw new IllegalArgumentException(terminal + " is not terminal");
    }
    requireMove(terminal);
    return new TaskRecord(
        taskId,
        terminal,
        url,
        ref,
        parameters,
        createdAt,
        startedAt,
        now,
        exitCode,
        reason,
        error,
        attempt,
        resultBytes,
        outputHeads,
        callbackUrl,
        requestId);
  }

  private void requireMove(TaskStatus next) {
    if (!status.canMoveTo(next)) {
      throw new IllegalStateException(
          "task " + taskId + " cannot move from " + status + " to " + next);
    }
  }
}
