package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.testkit.GoRepos;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A worker killed with SIGKILL in the middle of a task loses nothing. */
class WorkerCrashEndToEndTest {
  static LocalStack stack;

  @BeforeAll
  static void start() throws Exception {
    // A short lease, so JetStream notices the dead worker within seconds.
    stack = new LocalStack(Map.of("TASK_LEASE", "2s"));
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  @Test
  void killedWorkersTaskFinishesOnAnotherWorker() throws Exception {
    Process first = stack.startWorker();
    var dave = new ApiClient(stack.baseUrl(), stack.login("dave@example.com"));
    String id = dave.createTask(stack.git.createRepo("slow", GoRepos.sleeper("4s")));
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> dave.status(id).get("status").asText().equals("EXECUTING"));

    first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
    stack.startWorker();

    JsonNode done =
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> dave.status(id), s -> s.get("code").asInt() >= 300);
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
    assertThat(done.get("attempt").asInt()).isEqualTo(2);
    var zip = UserPathEndToEndTest.unzip(dave.get("/getTaskResult?taskId=" + id).body());
    assertThat(zip.get("stdout.txt")).isEqualTo("done\n");
  }
}
