package io.gitfaas.task;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The work-queue message: everything a worker needs to run a task.
 *
 * @param callbackUrl where the final record is posted when the task ends; null for none
 * @param requestId the id of the request that created the task, for the logs; null if unknown
 */
public record TaskRequest(
    UUID taskId,
    String owner,
    String url,
    String ref,
    List<String> parameters,
    Instant createdAt,
    String callbackUrl,
    String requestId) {

  /** A task without a callback, created by no request the logs know. */
  public TaskRequest(
      UUID taskId,
      String owner,
      String url,
      String ref,
      List<String> parameters,
      Instant createdAt) {
    this(taskId, owner, url, ref, parameters, createdAt, null, null);
  }

  public TaskRequest {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(createdAt, "createdAt");
    parameters = parameters == null ? List.of() : List.copyOf(parameters);
  }
}
