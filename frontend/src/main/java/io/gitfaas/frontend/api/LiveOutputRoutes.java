package io.gitfaas.frontend.api;

import io.gitfaas.frontend.auth.Identity;
import io.gitfaas.json.Json;
import io.gitfaas.store.TaskStore;
import io.gitfaas.task.LiveOutput;
import io.gitfaas.task.TaskRecord;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A running task's output as Server-Sent Events: events {@code stdout} and {@code stderr} with
 * {@code {"text": "..."}} as the worker publishes them, then {@code end} with the task's status.
 * Only the task's owner can listen; output printed before the stream opened is in the zip.
 */
public final class LiveOutputRoutes {
  private final Connection connection;
  private final TaskStore tasks;
  private final ScheduledExecutorService watcher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "live-output-watch");
            t.setDaemon(true);
            return t;
          });

  public LiveOutputRoutes(Connection connection, TaskStore tasks) {
    this.connection = connection;
    this.tasks = tasks;
  }

  /** Before the stream opens, so a bad id or another user's task gets a real 400 or 404. */
  public void check(Context ctx) {
    find(ctx);
  }

  public void stream(SseClient client) {
    Context ctx = client.ctx();
    Identity user = Identities.of(ctx);
    TaskRecord task = find(ctx);
    if (task.isTerminal()) {
      end(client, task);
      return;
    }
    client.keepAlive();
    Dispatcher dispatcher =
        connection.createDispatcher(
            msg -> {
              String subject = msg.getSubject();
              String stream = subject.substring(subject.lastIndexOf('.') + 1);
              if (!stream.equals(LiveOutput.END)) {
                send(
                    client,
                    stream,
                    Map.of("text", new String(msg.getData(), StandardCharsets.UTF_8)));
              }
            });
    dispatcher.subscribe(LiveOutput.allOf(user.email(), task.taskId()));
    // The end comes from the task's status, whatever phase it ended in.
    ScheduledFuture<?> watch =
        watcher.scheduleWithFixedDelay(
            () -> {
              Optional<TaskRecord> now = tasks.get(user.email(), task.taskId()).map(v -> v.value());
              if (now.isEmpty() || now.get().isTerminal()) {
                now.ifPresentOrElse(t -> end(client, t), client::close);
              }
            },
            500,
            500,
            TimeUnit.MILLISECONDS);
    client.onClose(
        () -> {
          watch.cancel(false);
          connection.closeDispatcher(dispatcher);
        });
  }

  private static void end(SseClient client, TaskRecord task) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("status", task.status().name());
    body.put("code", task.code());
    send(client, "end", body);
    client.close();
  }

  private static void send(SseClient client, String event, Object body) {
    synchronized (client) {
      if (!client.terminated()) {
        client.sendEvent(event, new String(Json.write(body), StandardCharsets.UTF_8));
      }
    }
  }

  private TaskRecord find(Context ctx) {
    return TaskRoutes.find(tasks, ctx);
  }
}
