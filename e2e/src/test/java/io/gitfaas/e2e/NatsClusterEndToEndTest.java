package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.config.Settings;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.store.Admission;
import io.gitfaas.store.NatsTaskQueue;
import io.gitfaas.store.NatsTaskStore;
import io.gitfaas.submit.TaskSubmission;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.testkit.GitHttpServer;
import io.gitfaas.testkit.GoRepos;
import io.gitfaas.testkit.NatsTestCluster;
import io.gitfaas.testkit.TempDirs;
import io.gitfaas.worker.WorkerMain;
import io.nats.client.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A 3-node NATS cluster with every stream, bucket and store replicated three times: killing a node
 * while tasks run loses none of them.
 */
class NatsClusterEndToEndTest {
  static final String USER = "cluster@example.com";

  @Test
  void killingOneNodeMidRunLosesNoTask() throws Exception {
    Path dir = Files.createTempDirectory("gitfaas-cluster-");
    try (NatsTestCluster cluster = new NatsTestCluster(3);
        GitHttpServer git = new GitHttpServer()) {
      Map<String, String> env = new HashMap<>();
      env.put("NATS_URL", cluster.url());
      env.put("NATS_REPLICAS", "3");
      env.put("GIT_ALLOW_HTTP", "true");
      env.put("GIT_ALLOW_PRIVATE_HOSTS", "true");
      env.put("TASK_MAX_ATTEMPTS", "10");
      env.put("TASK_LEASE", "5s");
      env.put("WORKER_CONCURRENCY", "2");
      env.put("WORKER_WORK_DIR", dir.resolve("work").toString());
      env.put(
          "WORKER_CACHE_DIR",
          Path.of(System.getProperty("java.io.tmpdir"), "gitfaas-test-cache").toString());
      Settings settings = Settings.fromEnv(env, Settings.Service.WORKER);
      Connection connection = NatsConnector.connect(settings.nats(), "cluster-test");
      NatsResources resources = NatsResources.of(connection, settings);
      // The cluster elects its JetStream leader first.
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(
              () -> {
                resources.ensure();
                return true;
              });
      var tasks = new NatsTaskStore(resources);
      var submission =
          new TaskSubmission(new Admission(resources), tasks, new NatsTaskQueue(connection), 80);
      List<WorkerMain.Worker> workers = new ArrayList<>();
      workers.add(WorkerMain.Worker.start(settings));
      workers.add(WorkerMain.Worker.start(settings));
      try {
        String url = git.createRepo("cluster", GoRepos.sleeper("1s"));
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          var request =
              new TaskRequest(UUID.randomUUID(), USER, url, null, List.of(), Instant.now());
          submission.submit(request);
          ids.add(request.taskId());
        }
        await()
            .atMost(Duration.ofMinutes(2))
            .ignoreExceptions()
            .until(
                () ->
                    ids.stream()
                            .filter(id -> tasks.get(USER, id).orElseThrow().value().isTerminal())
                            .count()
                        >= 2);
        // The hardest node to lose: the one leading the task stream.
        String leader =
            connection
                .jetStreamManagement()
                .getStreamInfo(NatsTopology.TASK_STREAM)
                .getClusterInfo()
                .getLeader();
        cluster.kill(Integer.parseInt(leader.replace("node", "")));

        List<TaskRecord> done = new ArrayList<>();
        for (UUID id : ids) {
          done.add(
              await()
                  .atMost(Duration.ofMinutes(3))
                  .pollInterval(Duration.ofMillis(200))
                  .ignoreExceptions()
                  .until(() -> tasks.get(USER, id).orElseThrow().value(), TaskRecord::isTerminal));
        }
        assertThat(done)
            .allSatisfy(t -> assertThat(t.status()).as(t.reason()).isEqualTo(TaskStatus.FINISHED));
      } finally {
        workers.forEach(WorkerMain.Worker::close);
        connection.close();
      }
    } finally {
      TempDirs.deleteQuietly(dir);
    }
  }
}
