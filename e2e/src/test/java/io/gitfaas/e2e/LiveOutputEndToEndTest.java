package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A task's output arrives as Server-Sent Events while it runs, through oauth2-proxy. */
class LiveOutputEndToEndTest extends OneWorkerStack {
  @Test
  void outputStreamsWhileTheTaskRunsThenEnds() throws Exception {
    String cookie = stack.login("grace@example.com");
    var grace = new ApiClient(stack.baseUrl(), cookie);
    String url =
        stack.git.createRepo(
            "ticker",
            Map.of(
                "run.sh",
                "sleep 1\nfor i in 1 2 3 4 5; do echo \"tick $i\"; sleep 0.3; done\n"
                    + "echo oops >&2\n"));
    String id = grace.createTask(url);

    HttpResponse<java.io.InputStream> stream =
        events(cookie, id, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type").orElse(""))
        .contains("text/event-stream");
    List<String> events = new ArrayList<>();
    untilEnd(
        stream,
        (event, data) -> {
          events.add(event + " " + data);
        });
    String all = String.join("\n", events);
    assertThat(all)
        .contains("stdout {\"text\":\"tick 1\\n\"}", "stdout {\"text\":\"tick 5\\n\"}")
        .contains("stderr {\"text\":\"oops\\n\"}")
        .contains("end {\"status\":\"FINISHED\",\"code\":300}");
    assertThat(all.indexOf("tick 1")).isLessThan(all.indexOf("tick 5"));
    assertThat(events.get(events.size() - 1)).startsWith("end");

    // Once finished, the same output from the result, whole or cut at a limit.
    var stdout =
        io.gitfaas.json.Json.MAPPER.readTree(grace.get("/getTaskOutput?taskId=" + id).body());
    assertThat(stdout.get("text").asText()).isEqualTo("tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n");
    assertThat(stdout.get("truncated").asBoolean()).isFalse();
    var head =
        io.gitfaas.json.Json.MAPPER.readTree(
            grace.get("/getTaskOutput?taskId=" + id + "&stream=stderr&limit=2").body());
    assertThat(head.get("text").asText()).isEqualTo("oo");
    assertThat(head.get("size").asLong()).isEqualTo(5);
    assertThat(head.get("truncated").asBoolean()).isTrue();
    assertThat(grace.get("/getTaskOutput?taskId=" + id + "&stream=build").statusCode())
        .as("a shell task has no build")
        .isEqualTo(404);

    var other = new ApiClient(stack.baseUrl(), stack.login("mallory@example.com"));
    assertThat(other.get("/streamTaskOutput?taskId=" + id).statusCode()).isEqualTo(404);
    // A finished task's stream ends at once.
    var again = events(cookie, id, HttpResponse.BodyHandlers.ofString());
    assertThat(again.body()).contains("event: end");
  }

  @Test
  void aRunningTaskCancelledByItsOwnerStopsAndKeepsWhatItPrinted() throws Exception {
    String cookie = stack.login("hopper@example.com");
    var hopper = new ApiClient(stack.baseUrl(), cookie);
    String url =
        stack.git.createRepo(
            "sleeper", Map.of("run.sh", "echo started\n(setsid sleep 60 &)\nsleep 60 &\nwait\n"));
    String id = hopper.createTask(url);

    HttpResponse<java.io.InputStream> stream =
        events(cookie, id, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    long[] cancelledAt = {0};
    String[] end = {null};
    untilEnd(
        stream,
        (event, data) -> {
          if (event.equals("stdout") && cancelledAt[0] == 0) {
            assertThat(data).contains("started");
            cancelledAt[0] = System.nanoTime();
            assertThat(hopper.post("/cancelTask?taskId=" + id, "").statusCode()).isEqualTo(202);
          } else if (event.equals("end")) {
            end[0] = data;
          }
        });
    System.out.printf(
        "a running task ended %d ms after its owner cancelled it (through oauth2-proxy)%n",
        (System.nanoTime() - cancelledAt[0]) / 1_000_000);
    assertThat(end[0]).contains("FINISHED_ERRORS");
    var record = hopper.json(hopper.get("/getTaskStatus?taskId=" + id));
    assertThat(record.get("reason").asText()).isEqualTo("cancelled by its owner");
    var stdout = hopper.json(hopper.get("/getTaskOutput?taskId=" + id));
    assertThat(stdout.get("text").asText()).isEqualTo("started\n");
    assertThat(hopper.post("/cancelTask?taskId=" + id, "").statusCode()).isEqualTo(409);

    // Deleted, it is gone now rather than when it would expire.
    assertThat(hopper.post("/deleteTask?taskId=" + id, "").statusCode()).isEqualTo(204);
    assertThat(hopper.get("/getTaskStatus?taskId=" + id).statusCode()).isEqualTo(404);
    assertThat(hopper.get("/getTaskResult?taskId=" + id).statusCode()).isEqualTo(404);
    assertThat(hopper.json(hopper.get("/getAllTasks")).get("tasks")).isEmpty();
  }

  interface EventHandler {
    void on(String event, String data) throws Exception;
  }

  /** Hands each event of the stream to {@code handler}, up to and with the {@code end} event. */
  static void untilEnd(HttpResponse<java.io.InputStream> stream, EventHandler handler)
      throws Exception {
    try (var lines =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String event = null;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          handler.on(event, line.substring(5).trim());
          if ("end".equals(event)) {
            return;
          }
        }
      }
    }
  }

  /** The task's event stream, asked for as EventSource does. */
  static <T> HttpResponse<T> events(String cookie, String id, HttpResponse.BodyHandler<T> body)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/streamTaskOutput?taskId=" + id))
                .header("Cookie", "_oauth2_proxy=" + cookie)
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofMinutes(2))
                .build(),
            body);
  }
}
