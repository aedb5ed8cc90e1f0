package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.config.Settings;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.Admission;
import io.gitfaas.store.NatsTaskQueue;
import io.gitfaas.store.NatsTaskStore;
import io.gitfaas.store.TaskStore;
import io.gitfaas.submit.TaskSubmission;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.testkit.GitHttpServer;
import io.gitfaas.testkit.NatsTestServer;
import io.gitfaas.testkit.TempDirs;
import io.nats.client.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A backlog older than TASK_TTL: no task is dropped unseen, its record says what happened. */
class QueueExpiryIntegrationTest {
  static final Duration TTL = Duration.ofSeconds(10);
  static final String USER = "late@example.com";

  static void awaitTime(Instant when) {
    await().atMost(TTL.multipliedBy(2)).until(() -> Instant.now().isAfter(when));
  }

  @Test
  void aTaskNoWorkerTookInTimeEndsWithAReason() throws Exception {
    Path dir = Files.createTempDirectory("gitfaas-expiry-");
    try (NatsTestServer nats = new NatsTestServer();
        GitHttpServer git = new GitHttpServer()) {
      Settings settings =
          Settings.fromEnv(
              Map.of(
                  "NATS_URL",
                  nats.url(),
                  "TASK_TTL",
                  TTL.toSeconds() + "s",
                  "GIT_ALLOW_HTTP",
                  "true",
                  "GIT_ALLOW_PRIVATE_HOSTS",
                  "true",
                  "WORKER_WORK_DIR",
                  dir.resolve("work").toString(),
                  "WORKER_CACHE_DIR",
                  dir.resolve("cache").toString()),
              Settings.Service.WORKER);
      try (Connection connection = NatsConnector.connect(settings.nats(), "test")) {
        NatsResources resources = NatsResources.of(connection, settings);
        resources.ensure();
        TaskStore tasks = new NatsTaskStore(resources);
        var submission =
            new TaskSubmission(new Admission(resources), tasks, new NatsTaskQueue(connection), 80);
        String url = git.createRepo("late", Map.of("run.sh", "echo ran\n"));
        Instant created = Instant.now();
        var request = new TaskRequest(UUID.randomUUID(), USER, url, null, List.of(), created);
        submission.submit(request);

        // No worker for longer than TASK_TTL. The record is written again meanwhile, as a
        // hand-back does, so it outlives its message's TTL (a queue with a TTL dropped the
        // message here and left the record PENDING until it expired).
        awaitTime(created.plus(TTL.dividedBy(2)));
        var current = tasks.get(USER, request.taskId()).orElseThrow();
        tasks.update(USER, current, current.value());
        awaitTime(created.plus(TTL).plusMillis(200));

        try (var worker = WorkerMain.Worker.start(settings)) {
          TaskRecord done =
              await()
                  .atMost(Duration.ofSeconds(30))
                  .until(
                      () -> tasks.get(USER, request.taskId()).orElseThrow().value(),
                      TaskRecord::isTerminal);
          assertThat(done.status()).isEqualTo(TaskStatus.UNEXPECTED_ERRORS);
          assertThat(done.reason()).contains("expired", "TASK_TTL").doesNotContain("ran");
        }
      }
    } finally {
      TempDirs.deleteQuietly(dir);
    }
  }
}
