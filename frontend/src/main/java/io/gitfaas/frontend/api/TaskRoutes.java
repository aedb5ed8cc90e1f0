package io.gitfaas.frontend.api;

import io.gitfaas.frontend.auth.Identity;
import io.gitfaas.store.ResultStore;
import io.gitfaas.store.TaskStore;
import io.gitfaas.submit.TaskSubmission;
import io.gitfaas.submit.TaskSubmission.LimitReachedException;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/** The user's task routes. Another user's task is indistinguishable from an unknown one. */
public final class TaskRoutes {
  static final String RETRY_AFTER_SECONDS = "10";

  private final TaskSubmission submission;
  private final TaskStore tasks;
  private final ResultStore results;
  private final CreateTaskParser parser;
  private final Clock clock;

  public TaskRoutes(
      TaskSubmission submission,
      TaskStore tasks,
      ResultStore results,
      CreateTaskParser parser,
      Clock clock) {
    this.submission = submission;
    this.tasks = tasks;
    this.results = results;
    this.parser = parser;
    this.clock = clock;
  }

  public void createTask(Context ctx) {
    Identity user = Identities.of(ctx);
    CreateTaskParser.Parsed parsed = parser.parse(ctx.bodyAsBytes());
    TaskRequest request =
        new TaskRequest(
            UUID.randomUUID(),
            user.email(),
            parsed.url(),
            parsed.ref(),
            parsed.parameters(),
            clock.instant());
    try {
      submission.submit(request);
    } catch (LimitReachedException e) {
      ctx.header("Retry-After", RETRY_AFTER_SECONDS);
      throw new ApiException(429, e.getMessage());
    }
    JsonResponses.send(ctx, 201, Map.of("taskId", request.taskId(), "status", "PENDING"));
  }

  public void getTaskStatus(Context ctx) {
    JsonResponses.send(ctx, 200, find(ctx));
  }

  public void getTaskResult(Context ctx) {
    Identity user = Identities.of(ctx);
    TaskRecord task = find(ctx);
    if (!task.isTerminal()) {
      throw new ApiException(
          409, "the task has not finished yet", Map.of("status", task.status().name()));
    }
    OptionalLong size = results.size(user.email(), task.taskId());
    if (size.isEmpty()) {
      throw new ApiException(404, "the task's result has expired");
    }
    ctx.status(200);
    ctx.contentType("application/zip");
    ctx.header("Content-Disposition", "attachment; filename=\"" + task.taskId() + ".zip\"");
    ctx.header("Content-Length", Long.toString(size.getAsLong()));
    results.copyTo(user.email(), task.taskId(), ctx.outputStream());
  }

  public void getAllTasks(Context ctx) {
    Identity user = Identities.of(ctx);
    JsonResponses.send(ctx, 200, Map.of("tasks", tasks.list(user.email())));
  }

  public void whoami(Context ctx) {
    Identity user = Identities.of(ctx);
    JsonResponses.send(ctx, 200, Map.of("email", user.email(), "admin", user.admin()));
  }

  private TaskRecord find(Context ctx) {
    return find(tasks, ctx);
  }

  /** The request's task (query parameter taskId) if it is the signed-in user's; else 400/404. */
  static TaskRecord find(TaskStore tasks, Context ctx) {
    Identity user = Identities.of(ctx);
    String raw = ctx.queryParam("taskId");
    if (raw == null || raw.isBlank()) {
      throw new ApiException(400, "query parameter 'taskId' is required");
    }
    UUID id;
    try {
      id = UUID.fromString(raw.trim());
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "'taskId' must be a UUID");
    }
    return tasks
        .get(user.email(), id)
        .map(v -> v.value())
        .orElseThrow(() -> new ApiException(404, "no such task (unknown, expired or not yours)"));
  }
}
