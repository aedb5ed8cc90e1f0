package io.gitfaas.frontend.api;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.frontend.auth.Identity;
import io.gitfaas.store.ResultStore;
import io.gitfaas.store.StoreException;
import io.gitfaas.store.StoreFullException;
import io.gitfaas.store.TaskStore;
import io.gitfaas.submit.TaskCancellation;
import io.gitfaas.submit.TaskCancellation.AlreadyEndedException;
import io.gitfaas.submit.TaskSubmission;
import io.gitfaas.submit.TaskSubmission.LimitReachedException;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;

/** The user's task routes. Another user's task is indistinguishable from an unknown one. */
public final class TaskRoutes {
  static final String RETRY_AFTER_SECONDS = "10";
  static final String NO_RESULT =
      "the task's result has expired, or was never kept (its status says why)";

  /** oauth2-proxy's session cookie (its default name, which the deployments keep). */
  static final String SESSION_COOKIE = "_oauth2_proxy";

  static final int DEFAULT_OUTPUT_BYTES = 64 * 1024;
  static final int MAX_OUTPUT_BYTES = 1024 * 1024;

  /** getTaskOutput's streams and the files of the result zip they are read from. */
  static final Map<String, String> OUTPUT_FILES =
      new TreeMap<>(Map.of("stdout", "stdout.txt", "stderr", "stderr.txt", "build", "build.log"));

  private final TaskSubmission submission;
  private final TaskCancellation cancellation;
  private final TaskStore tasks;
  private final ResultStore results;
  private final CreateTaskParser parser;
  private final Clock clock;
  private final Map<String, Object> limits;

  public TaskRoutes(
      TaskSubmission submission,
      TaskCancellation cancellation,
      TaskStore tasks,
      ResultStore results,
      CreateTaskParser parser,
      TaskLimits taskLimits,
      Clock clock) {
    this.limits =
        Map.of(
            "maxActiveTasks", taskLimits.maxActivePerUser(),
            "taskTtlSeconds", taskLimits.ttl().toSeconds(),
            "runTimeoutSeconds", taskLimits.runTimeout().toSeconds());
    this.submission = submission;
    this.cancellation = cancellation;
    for (String reason : List.of("active_tasks", "result_quota")) { // exported from the start
      io.micrometer.core.instrument.Metrics.counter("gitfaas.admissions.refused", "reason", reason);
    }
    this.tasks = tasks;
    this.results = results;
    this.parser = parser;
    this.clock = clock;
  }

  public void createTask(Context ctx) {
    Identity user = Identities.of(ctx);
    TaskRequest request = request(ctx, user, parser.parse(ctx.bodyAsBytes()));
    try {
      submission.submit(request);
    } catch (LimitReachedException e) {
      refused(e);
      ctx.header("Retry-After", RETRY_AFTER_SECONDS);
      throw new ApiException(429, e.getMessage());
    }
    JsonResponses.send(ctx, 201, Map.of("taskId", request.taskId(), "status", "PENDING"));
  }

  /** Admissions refused, by reason: the active-task limit or the result quota. */
  static void refused(LimitReachedException e) {
    io.micrometer.core.instrument.Metrics.counter(
            "gitfaas.admissions.refused",
            "reason",
            e.getMessage().contains("USER_RESULT_QUOTA") ? "result_quota" : "active_tasks")
        .increment();
  }

  private TaskRequest request(Context ctx, Identity user, CreateTaskParser.Parsed parsed) {
    return new TaskRequest(
        UUID.randomUUID(),
        user.email(),
        parsed.url(),
        parsed.ref(),
        parsed.parameters(),
        clock.instant(),
        parsed.callbackUrl(),
        AccessLog.requestId(ctx));
  }

  /**
   * Several tasks in one request, each admitted on its own and in order under the same exact
   * active-task limit as createTask: the items before the limit is reached are created, the rest
   * refused, and an item with a bad body is refused alone (a grading run whose 78 good submissions
   * should run even if two are malformed). 207 with {@code {"created", "results": [{"index",
   * "status", "taskId" or "error"}, ...]}}, one result per item in the order given.
   */
  public void createTasks(Context ctx) {
    Identity user = Identities.of(ctx);
    List<CreateTaskParser.BatchItem> items = parser.parseBatch(ctx.bodyAsBytes());
    ApiException refusedAll = null;
    try {
      submission.requireQuota(user.email());
    } catch (LimitReachedException e) {
      refused(e);
      refusedAll = new ApiException(429, e.getMessage());
    }
    List<Map<String, Object>> answers = new ArrayList<>();
    int created = 0;
    for (int i = 0; i < items.size(); i++) {
      CreateTaskParser.BatchItem item = items.get(i);
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("index", i);
      ApiException refused = item.refused() != null ? item.refused() : refusedAll;
      if (refused == null) {
        TaskRequest request = request(ctx, user, item.task());
        try {
          submission.submitWithinQuota(request);
          answer.put("status", 201);
          answer.put("taskId", request.taskId());
          created++;
        } catch (LimitReachedException e) {
          refused(e);
          // The limit does not free within one request: the items after this one are refused too.
          refused = refusedAll = new ApiException(429, e.getMessage());
        } catch (StoreFullException e) {
          refused = new ApiException(507, e.getMessage());
        } catch (StoreException e) {
          refused = new ApiException(503, "the task queue is unavailable; try again");
        }
      }
      if (refused != null) {
        answer.put("status", refused.status());
        answer.put("error", refused.getMessage());
      }
      answers.add(answer);
    }
    if (refusedAll != null) {
      ctx.header("Retry-After", RETRY_AFTER_SECONDS);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("created", created);
    body.put("results", answers);
    JsonResponses.send(ctx, 207, body);
  }

  /**
   * Takes a task back: 202 with its record, ended already if it was waiting (it never runs); a
   * running one is stopped by its worker within a second, keeping what it printed. 409 once the
   * task has ended.
   */
  public void cancelTask(Context ctx) {
    Identity user = Identities.of(ctx);
    try {
      TaskRecord now =
          cancellation.cancel(user.email(), taskId(ctx)).orElseThrow(TaskRoutes::notFound);
      JsonResponses.send(ctx, 202, now);
    } catch (AlreadyEndedException e) {
      throw new ApiException(409, e.getMessage(), Map.of("status", e.record().status().name()));
    }
  }

  /** Removes a task and its result now (cancelling it first if it has not ended): 204. */
  public void deleteTask(Context ctx) {
    Identity user = Identities.of(ctx);
    if (!cancellation.delete(user.email(), taskId(ctx))) {
      throw notFound();
    }
    ctx.status(204);
  }

  /** The record as stored, passed on without parsing it again: the busiest route. */
  public void getTaskStatus(Context ctx) {
    Identity user = Identities.of(ctx);
    byte[] record = tasks.getJson(user.email(), taskId(ctx)).orElseThrow(TaskRoutes::notFound);
    ctx.status(200);
    ctx.contentType("application/json");
    ctx.result(record);
  }

  public void getTaskResult(Context ctx) {
    Identity user = Identities.of(ctx);
    TaskRecord task = find(ctx);
    if (!task.isTerminal()) {
      throw new ApiException(
          409, "the task has not finished yet", Map.of("status", task.status().name()));
    }
    OptionalLong size = results.size(user.email(), task.taskId(), task.attempt());
    if (size.isEmpty()) {
      throw new ApiException(404, NO_RESULT);
    }
    ctx.status(200);
    ctx.contentType("application/zip");
    ctx.header("Content-Disposition", "attachment; filename=\"" + task.taskId() + ".zip\"");
    ctx.header("Content-Length", Long.toString(size.getAsLong()));
    results.copyTo(user.email(), task.taskId(), task.attempt(), ctx.outputStream());
  }

  /**
   * The beginning of a finished task's stdout, stderr or build log as text, for a page or a
   * terminal: {@code {"taskId", "stream", "text", "size", "truncated"}}.
   */
  public void getTaskOutput(Context ctx) {
    Identity user = Identities.of(ctx);
    TaskRecord task = find(ctx);
    String stream = Optional.ofNullable(ctx.queryParam("stream")).orElse("stdout");
    String entry = OUTPUT_FILES.get(stream);
    if (entry == null) {
      throw new ApiException(400, "'stream' must be one of " + OUTPUT_FILES.keySet());
    }
    int limit = limit(ctx.queryParam("limit"));
    if (!task.isTerminal()) {
      throw new ApiException(
          409, "the task has not finished yet", Map.of("status", task.status().name()));
    }
    if (results.size(user.email(), task.taskId(), task.attempt()).isEmpty()) {
      throw new ApiException(404, NO_RESULT);
    }
    ResultStore.Excerpt excerpt =
        results
            .excerpt(user.email(), task.taskId(), task.attempt(), entry, limit)
            .orElseThrow(() -> new ApiException(404, "the task's result has no " + entry));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("taskId", task.taskId());
    body.put("stream", stream);
    body.put("text", new String(excerpt.head(), StandardCharsets.UTF_8));
    body.put("size", excerpt.size());
    body.put("truncated", excerpt.truncated());
    JsonResponses.send(ctx, 200, body);
  }

  private static int limit(String raw) {
    if (raw == null || raw.isBlank()) {
      return DEFAULT_OUTPUT_BYTES;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n >= 1 && n <= MAX_OUTPUT_BYTES) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiException(400, "'limit' must be a number of bytes from 1 to " + MAX_OUTPUT_BYTES);
  }

  /**
   * The user's tasks, newest first, {@code limit} at a time ({@link TaskPage#DEFAULT_LIMIT} unless
   * asked, at most {@link TaskPage#MAX_LIMIT}); {@code next} is the {@code cursor} of the next
   * page, null on the last.
   */
  public void getAllTasks(Context ctx) {
    Identity user = Identities.of(ctx);
    TaskPage page =
        TaskPage.of(tasks.list(user.email()), ctx.queryParam("limit"), ctx.queryParam("cursor"));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tasks", page.tasks());
    body.put("next", page.next());
    JsonResponses.send(ctx, 200, body);
  }

  /** Who is signed in, and the limits that apply to their tasks (the console shows them). */
  public void whoami(Context ctx) {
    Identity user = Identities.of(ctx);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("email", user.email());
    body.put("admin", user.admin());
    body.put("limits", limits);
    JsonResponses.send(ctx, 200, body);
  }

  /**
   * The session cookie this request came with, for API clients (curl, Postman, the congestion
   * script): {@code {"name", "value", "header"}}. oauth2-proxy marks it HttpOnly, so a page cannot
   * read it itself; only a page of this origin can read this answer. A large session is split into
   * {@code _oauth2_proxy_0}, {@code _1}, ...: {@code header} carries every part.
   */
  public void getSessionCookie(Context ctx) {
    List<String> parts = new ArrayList<>();
    String value = null;
    for (var cookie : ctx.cookieMap().entrySet()) {
      String name = cookie.getKey();
      if (name.equals(SESSION_COOKIE)) {
        value = cookie.getValue();
        parts.add(name + "=" + cookie.getValue());
      } else if (name.matches(SESSION_COOKIE + "_[0-9]+")) {
        parts.add(name + "=" + cookie.getValue());
      }
    }
    if (parts.isEmpty()) {
      throw new ApiException(
          404, "this request carried no session cookie (signed in with a bearer token?)");
    }
    parts.sort(null);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", SESSION_COOKIE);
    body.put("value", value);
    body.put("header", String.join("; ", parts));
    ctx.header("Cache-Control", "no-store");
    JsonResponses.send(ctx, 200, body);
  }

  private TaskRecord find(Context ctx) {
    return find(tasks, ctx);
  }

  /** The request's task (query parameter taskId) if it is the signed-in user's; else 400/404. */
  static TaskRecord find(TaskStore tasks, Context ctx) {
    Identity user = Identities.of(ctx);
    return tasks
        .get(user.email(), taskId(ctx))
        .map(v -> v.value())
        .orElseThrow(TaskRoutes::notFound);
  }

  private static UUID taskId(Context ctx) {
    String raw = ctx.queryParam("taskId");
    if (raw == null || raw.isBlank()) {
      throw new ApiException(400, "query parameter 'taskId' is required");
    }
    try {
      return UUID.fromString(raw.trim());
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "'taskId' must be a UUID");
    }
  }

  private static ApiException notFound() {
    return new ApiException(404, "no such task (unknown, expired or not yours)");
  }
}
