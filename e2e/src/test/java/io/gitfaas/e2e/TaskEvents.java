package io.gitfaas.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A user's task list as the console follows it: one {@code /streamTasks} stream, read on a thread
 * of its own; {@link #terminal} says when a task reached its final status, without polling.
 */
final class TaskEvents implements AutoCloseable {
  private final ConcurrentHashMap<String, CompletableFuture<JsonNode>> done =
      new ConcurrentHashMap<>();
  private final Stream<String> lines;
  private final Thread reader;

  TaskEvents(String baseUrl, String cookie) throws Exception {
    HttpResponse<Stream<String>> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/streamTasks"))
                    .header("Cookie", "_oauth2_proxy=" + cookie)
                    .header("Accept", "text/event-stream")
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("streamTasks answered " + response.statusCode());
    }
    lines = response.body();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    reader = new Thread(() -> read(lines.iterator(), ready), "task-events");
    reader.setDaemon(true);
    reader.start();
    ready.get(30, TimeUnit.SECONDS);
  }

  private void read(Iterator<String> it, CompletableFuture<Void> ready) {
    String event = null;
    try {
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          if ("ready".equals(event)) {
            ready.complete(null);
          } else if ("task".equals(event)) {
            JsonNode task = Json.MAPPER.readTree(line.substring(5).trim());
            if (task.get("code").asInt() >= 300) {
              whenTerminal(task.get("taskId").asText()).complete(task);
            }
          }
        }
      }
    } catch (Exception e) {
      ready.completeExceptionally(e);
    }
  }

  /** Completed with the task's final record when the stream brings it. */
  CompletableFuture<JsonNode> whenTerminal(String taskId) {
    return done.computeIfAbsent(taskId, id -> new CompletableFuture<>());
  }

  /** The task's final record, as soon as the stream brings it. */
  JsonNode terminal(String taskId, Duration timeout) throws Exception {
    return whenTerminal(taskId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    lines.close();
    reader.interrupt();
  }
}
