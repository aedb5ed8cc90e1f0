package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.testkit.GoRepos;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Workers that die or are stopped in the middle of a task lose nothing. */
class WorkerCrashEndToEndTest {
  static LocalStack stack;
  static ApiClient dave;

  @BeforeAll
  static void start() throws Exception {
    // A short lease, so JetStream notices a dead worker within seconds; two attempts at most.
    stack =
        new LocalStack(
            Map.of("TASK_LEASE", "2s", "TASK_MAX_ATTEMPTS", "2", "WORKER_SHUTDOWN_GRACE", "1s"));
    dave = new ApiClient(stack.baseUrl(), stack.login("dave@example.com"));
  }

  @AfterEach
  void stopWorkers() {
    stack.stopWorkers();
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  static JsonNode awaitStatus(String id, String status, int attempt) {
    return await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> dave.status(id),
            s -> s.get("status").asText().equals(status) && s.get("attempt").asInt() == attempt);
  }

  static JsonNode awaitEnd(String id) {
    return await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> dave.status(id), s -> s.get("code").asInt() >= 300);
  }

  @Test
  void killedWorkersTaskFinishesOnAnotherWorker() throws Exception {
    Process first = stack.startWorker();
    String id = dave.createTask(stack.git.createRepo("slow", GoRepos.sleeper("4s")));
    awaitStatus(id, "EXECUTING", 1);

    first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
    stack.startWorker();

    JsonNode done = awaitEnd(id);
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
    assertThat(done.get("attempt").asInt()).isEqualTo(2);
    var zip = UserPathEndToEndTest.unzip(dave.get("/getTaskResult?taskId=" + id).body());
    assertThat(zip.get("stdout.txt")).isEqualTo("done\n");
  }

  @Test
  void aLateAttemptNeverReplacesTheWinnersResult() throws Exception {
    Process first = stack.startWorker();
    String id =
        dave.createTask(
            stack.git.createRepo(
                "race", Map.of("run.sh", "sleep 4\nhead -c 16 /dev/urandom | od -An -tx1\n")));
    awaitStatus(id, "EXECUTING", 1);

    // Frozen, the first worker holds no lease: the task goes to a second worker and finishes.
    signal(first, "STOP");
    try {
      stack.startWorker();
      JsonNode done = awaitEnd(id);
      assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
      assertThat(done.get("attempt").asInt()).isEqualTo(2);
    } finally {
      signal(first, "CONT");
    }
    byte[] winner = dave.get("/getTaskResult?taskId=" + id).body();

    // Thawed, the first attempt finishes its run too, and loses the status write.
    await()
        .atMost(Duration.ofMinutes(1))
        .until(() -> workerLogs().contains("task " + id + " changed while it ran"));
    assertThat(dave.get("/getTaskResult?taskId=" + id).body()).isEqualTo(winner);
  }

  static void signal(Process p, String signal) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor())
        .isZero();
  }

  static String workerLogs() throws Exception {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      all.append(stack.log("worker-" + i + ".log"));
    }
    return all.toString();
  }

  @Test
  void stoppedWorkerHandsItsTaskBack() throws Exception {
    Process first = stack.startWorker();
    String id = dave.createTask(stack.git.createRepo("slower", GoRepos.sleeper("6s")));
    awaitStatus(id, "EXECUTING", 1);

    first.destroy(); // SIGTERM: stop pulling, then hand the running task back
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    JsonNode back = dave.status(id);
    assertThat(back.get("status").asText()).isEqualTo("PENDING");
    assertThat(back.get("reason").asText()).contains("worker stopped");

    stack.startWorker();
    JsonNode done = awaitEnd(id);
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
  }

  @Test
  void taskWhoseWorkersKeepDyingEndsAsUnexpectedError() throws Exception {
    String id = dave.createTask(stack.git.createRepo("doomed", GoRepos.sleeper("60s")));
    for (int attempt = 1; attempt <= 2; attempt++) {
      Process worker = stack.startWorker();
      awaitStatus(id, "EXECUTING", attempt);
      worker.destroyForcibly().waitFor();
    }
    stack.startWorker();

    JsonNode done = awaitEnd(id);
    assertThat(done.get("status").asText()).isEqualTo("UNEXPECTED_ERRORS");
    assertThat(done.get("code").asInt()).isEqualTo(500);
    assertThat(done.get("reason").asText()).contains("TASK_MAX_ATTEMPTS");
    assertThat(dave.get("/getTaskResult?taskId=" + id).statusCode()).isEqualTo(200);
  }
}
