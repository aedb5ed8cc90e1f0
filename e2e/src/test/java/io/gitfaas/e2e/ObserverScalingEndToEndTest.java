package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.observer.ProcessScaler;
import io.gitfaas.testkit.GoRepos;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A burst of slow tasks makes the observer start real worker processes; every task finishes, and
 * the workers come back down to the minimum, one at a time.
 */
class ObserverScalingEndToEndTest {
  static LocalStack stack;
  static ProcessScaler scaler;

  @BeforeAll
  static void start() throws Exception {
    stack = new LocalStack(Map.of());
    scaler =
        stack.startObserver(
            Map.of(
                "MIN_WORKERS", "1",
                "MAX_WORKERS", "3",
                "OBSERVER_INTERVAL", "500ms",
                "SCALE_DOWN_AFTER", "2s",
                "CONGESTION_THRESHOLD", "2"));
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  @Test
  void burstScalesUpEveryTaskFinishesAndWorkersComeBackDown() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> scaler.current() == 1);
    var erin = new ApiClient(stack.baseUrl(), stack.login("erin@example.com"));
    String url = stack.git.createRepo("slow", GoRepos.sleeper("3s"));
    long burst = System.nanoTime();
    List<String> ids = erin.createTasks(url, 8);

    await().atMost(Duration.ofSeconds(30)).until(() -> scaler.current() == 3);
    long scaledUp = (System.nanoTime() - burst) / 1_000_000;
    for (String id : ids) {
      JsonNode done = erin.awaitEnd(id, Duration.ofMinutes(3));
      assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
    }
    long drained = (System.nanoTime() - burst) / 1_000_000;
    await().atMost(Duration.ofSeconds(60)).until(() -> scaler.current() == 1);
    long down = (System.nanoTime() - burst) / 1_000_000;
    System.out.printf(
        "observer e2e: 8 tasks of 3 s; scaled 1 -> 3 after %d ms, drained after %d ms,"
            + " back to 1 worker after %d ms%n",
        scaledUp, drained, down);

    var root = new ApiClient(stack.baseUrl(), stack.login("root@example.com"));
    var status = root.get("/getSystemStatus");
    assertThat(status.statusCode()).isEqualTo(200);
    JsonNode body = root.json(status);
    assertThat(body.get("status").asText()).isIn("OK", "CONGESTED");
    assertThat(body.at("/workers/min").asInt()).isEqualTo(1);
    assertThat(body.at("/workers/max").asInt()).isEqualTo(3);
    assertThat(body.get("queue").has("pending")).isTrue();
    // The status is written each tick; wait until it shows the workers back at the minimum.
    body =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> root.json(root.get("/getSystemStatus")),
                b -> b.at("/workers/current").asInt() == 1);
    List<String> moves = new ArrayList<>();
    body.get("logs").forEach(d -> moves.add(d.get("from").asInt() + "->" + d.get("to").asInt()));
    // Up in as few steps as the samples saw the burst arrive; down one worker at a time.
    assertThat(moves).as(body.toString()).contains("3->2", "2->1").anyMatch(m -> m.endsWith("->3"));
    body.get("logs")
        .forEach(
            d -> {
              int from = d.get("from").asInt();
              int to = d.get("to").asInt();
              if (to < from && from <= 3) {
                assertThat(from - to).as(d.toString()).isEqualTo(1);
              }
            });
    assertThat(erin.get("/getSystemStatus").statusCode()).isEqualTo(403);
  }

  @Test
  void congestionScriptReportsTheBurstAndTheDrain() throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> scaler.current() == 1);
    String cookie = stack.login("root@example.com");
    var pb =
        new ProcessBuilder(
                stack.root.resolve("scripts/congestion.sh").toString(), "6", stack.baseUrl())
            .redirectErrorStream(true);
    pb.environment().put("GITFAAS_COOKIE", cookie); // never on the command line
    pb.environment().put("TASK_URL", stack.git.createRepo("burst", GoRepos.sleeper("2s")));
    pb.environment().put("POLL_SECONDS", "0.5");
    pb.environment().put("TIMEOUT_SECONDS", "240");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    System.out.println(out);

    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out)
        .contains("sent 6/6 (accepted 6, refused 0)", "finished 6, failed 0, not done 0")
        .contains("ended 6/6")
        .containsPattern("first scale-up after [0-9.]+ s")
        .containsPattern("drained after [0-9.]+ s");
  }

  @Test
  void congestionScriptRefusesBadArgumentsAndCredentialsOnItsCommandLine() throws Exception {
    for (List<String> args : List.<List<String>>of(List.of("0"), List.of("many"), List.of())) {
      List<String> command = new java.util.ArrayList<>();
      command.add(stack.root.resolve("scripts/congestion.sh").toString());
      command.addAll(args);
      var pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.environment().put("TASK_URL", "https://example.com/x.git");
      pb.environment().put("GITFAAS_TOKEN", "t");
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as(out).isEqualTo(2);
    }
    var noCredentials =
        new ProcessBuilder(stack.root.resolve("scripts/congestion.sh").toString(), "3")
            .redirectErrorStream(true);
    noCredentials.environment().put("TASK_URL", "https://example.com/x.git");
    noCredentials.environment().remove("GITFAAS_TOKEN");
    Process p = noCredentials.start();
    assertThat(new String(p.getInputStream().readAllBytes())).contains("GITFAAS_TOKEN");
    assertThat(p.waitFor()).isEqualTo(2);
  }

  @Test
  void aRestartedObserverAdoptsTheWorkersAndSurvivesANatsRestart() throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> scaler.current() == 1);
    var again =
        new ProcessScaler(
            stack.workerCommand(), stack.workerEnv(), stack.dir.resolve("observer-state"));
    assertThat(again.current()).isEqualTo(1);

    var root = new ApiClient(stack.baseUrl(), stack.login("root@example.com"));
    String before = root.json(root.get("/getSystemStatus")).get("at").asText();
    stack.nats.kill();
    stack.nats.start();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              var r = root.get("/getSystemStatus");
              return r.statusCode() == 200 && !root.json(r).get("at").asText().equals(before);
            });
    assertThat(scaler.current()).isEqualTo(1);
  }
}
