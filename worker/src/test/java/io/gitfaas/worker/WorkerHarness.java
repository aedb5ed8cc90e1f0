package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.config.Settings;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.Admission;
import io.gitfaas.store.NatsResultStore;
import io.gitfaas.store.NatsTaskQueue;
import io.gitfaas.store.NatsTaskStore;
import io.gitfaas.store.ResultStore;
import io.gitfaas.store.TaskStore;
import io.gitfaas.submit.TaskSubmission;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.testkit.GitHttpServer;
import io.gitfaas.testkit.NatsTestServer;
import io.gitfaas.testkit.TempDirs;
import io.nats.client.Connection;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

/** A real worker on a real nats-server, with a Git server to submit repositories from. */
final class WorkerHarness implements AutoCloseable {
  final NatsTestServer nats = new NatsTestServer();
  final GitHttpServer git = new GitHttpServer();
  final Path workDir;
  final Settings settings;
  final WorkerMain.Worker worker;
  private final Connection connection;
  final TaskStore tasks;
  final ResultStore results;
  private final TaskSubmission submission;

  WorkerHarness(Map<String, String> overrides) throws Exception {
    workDir = Files.createTempDirectory("gitfaas-worker-test-");
    Map<String, String> env = new HashMap<>();
    env.put("NATS_URL", nats.url());
    env.put("GIT_ALLOW_HTTP", "true");
    env.put("GIT_ALLOW_PRIVATE_HOSTS", "true");
    env.put("WORKER_WORK_DIR", workDir.resolve("work").toString());
    env.put(
        "WORKER_CACHE_DIR",
        Path.of(System.getProperty("java.io.tmpdir"), "gitfaas-test-cache").toString());
    env.putAll(overrides);
    settings = Settings.fromEnv(env, Settings.Service.WORKER);
    connection = NatsConnector.connect(nats.settings(), "test");
    NatsResources resources = NatsResources.of(connection, settings);
    resources.ensure(); // as the frontend does
    worker = WorkerMain.Worker.start(settings);
    tasks = new NatsTaskStore(resources);
    results = new NatsResultStore(resources);
    submission =
        new TaskSubmission(new Admission(resources), tasks, new NatsTaskQueue(connection), 1000);
  }

  TaskRecord runToEnd(String user, String url, String ref, List<String> parameters) {
    var request = new TaskRequest(UUID.randomUUID(), user, url, ref, parameters, Instant.now());
    try {
      submission.submit(request);
    } catch (TaskSubmission.LimitReachedException e) {
      throw new IllegalStateException(e);
    }
    return await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> tasks.get(user, request.taskId()).orElseThrow().value(), TaskRecord::isTerminal);
  }

  Map<String, byte[]> zip(String user, TaskRecord record) throws IOException {
    var out = new ByteArrayOutputStream();
    results.copyTo(user, record.taskId(), record.attempt(), out);
    Map<String, byte[]> entries = new HashMap<>();
    try (var in = new ZipArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (ZipArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    entries.put("(zip size)", Long.toString(out.size()).getBytes(StandardCharsets.UTF_8));
    return entries;
  }

  static String text(Map<String, byte[]> zip, String name) {
    byte[] bytes = zip.get(name);
    if (bytes == null) {
      throw new AssertionError("no " + name + " in the zip: " + zip.keySet());
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** This worker's workspaces directory. */
  Path workspaces() {
    return settings
        .worker()
        .workDir()
        .resolve(Long.toString(ProcessHandle.current().pid()))
        .resolve("tasks");
  }

  /**
   * Waits until no task's workspace is left. A task's terminal status is written before its
   * workspace is removed (the client is not kept waiting for the removal), so a test that has just
   * seen the status may still find the workspace for a moment.
   */
  void awaitNoWorkspaceLeft() {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              if (Files.isDirectory(workspaces())) {
                try (Stream<Path> left = Files.list(workspaces())) {
                  assertThat(left).isEmpty();
                }
              }
            });
  }

  static boolean processWithArgumentExists(String argument) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .anyMatch(
              p -> {
                try {
                  return new String(
                          Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                      .contains(argument);
                } catch (IOException e) {
                  return false;
                }
              });
    }
  }

  @Override
  public void close() throws Exception {
    worker.close();
    connection.close();
    git.close();
    nats.close();
    TempDirs.deleteQuietly(workDir);
  }
}
