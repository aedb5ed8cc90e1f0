package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.testkit.GoRepos;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Workers share their slots between users: with one slot busy with alice's backlog, bob's single
 * task runs as soon as the slot frees, not after all of alice's.
 */
class FairSharingEndToEndTest {
  @Test
  void aSingleTaskOvertakesAnotherUsersBacklog() throws Exception {
    try (var stack = new LocalStack(Map.of())) {
      int metrics = io.gitfaas.testkit.FreePort.pick();
      stack.env.put("METRICS_PORT", Integer.toString(metrics));
      stack.startWorker(); // one worker, one task at a time
      stack.awaitWorkerLogs("worker ready", Duration.ofSeconds(60));
      var alice = new ApiClient(stack.baseUrl(), stack.login("alice@example.com"));
      var bob = new ApiClient(stack.baseUrl(), stack.login("bob@example.com"));
      String url = stack.git.createRepo("slow", GoRepos.sleeper("1s"));

      List<String> backlog = alice.createTasks(url, 6);
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !alice.status(backlog.get(0)).get("status").asText().equals("PENDING"));
      String single = bob.createTask(url, "bob");

      JsonNode bobs = bob.awaitEnd(single, Duration.ofMinutes(3));
      assertThat(bobs.get("status").asText()).as(bobs.toString()).isEqualTo("FINISHED");
      Instant bobStarted = Instant.parse(bobs.get("startedAt").asText());
      int startedBefore = 0;
      Instant lastOfAlice = Instant.EPOCH;
      for (String id : backlog) {
        JsonNode a = alice.awaitEnd(id, Duration.ofMinutes(3));
        assertThat(a.get("status").asText()).as(a.toString()).isEqualTo("FINISHED");
        Instant started = Instant.parse(a.get("startedAt").asText());
        if (started.isBefore(bobStarted)) {
          startedBefore++;
        }
        Instant finished = Instant.parse(a.get("finishedAt").asText());
        lastOfAlice = finished.isAfter(lastOfAlice) ? finished : lastOfAlice;
      }
      System.out.printf(
          "fair sharing e2e: bob's task waited %d ms behind alice's 6 (%d of hers started first);"
              + " her last ended %d ms after his start%n",
          Duration.between(Instant.parse(bobs.get("createdAt").asText()), bobStarted).toMillis(),
          startedBefore,
          Duration.between(bobStarted, lastOfAlice).toMillis());
      // In queue order bob's task would start after all six; shared, after the one running when
      // it came (and the next, if the slot freed in the moment before it was queued).
      assertThat(startedBefore).isLessThanOrEqualTo(2);
      // Alice's tasks that came up while bob's waited were handed back, and counted.
      assertThat(
              io.gitfaas.testkit.PrometheusText.sum(
                  MetricsEndToEndTest.scrape(metrics), "gitfaas_tasks_yielded_total", Map.of()))
          .isGreaterThanOrEqualTo(1);
    }
  }
}
