package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.testkit.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A task that writes 100,000 tiny output files still gets a valid zip within RESULT_MAX_BYTES. Its
 * workspaces are in memory (creating 100k files on this machine's disk takes 7 to 55 s), so the
 * task gets the memory those files take.
 */
class ManyOutputFilesIntegrationTest {
  static final String USER = "tiny@example.com";
  static Path workDir;
  static WorkerHarness harness;

  @BeforeAll
  static void start() throws Exception {
    Path shm = Path.of("/dev/shm");
    Path base = Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    workDir = Files.createTempDirectory(base, "gitfaas-many-");
    harness =
        new WorkerHarness(
            Map.of(
                "RESULT_MAX_BYTES", "1m",
                "TASK_MEMORY_LIMIT", "2g",
                "TASK_RUN_TIMEOUT", "60s",
                "WORKER_WORK_DIR", workDir.toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    harness.close();
    TempDirs.deleteQuietly(workDir);
  }

  @Test
  void hundredThousandTinyFilesKeepTheZipValidAndSmall() throws Exception {
    String script =
        "python3 -c \"import os\nfor i in range(100000):\n"
            + " open(os.path.join(os.environ['OUTPUT_DIR'], 'f%06d' % i), 'w').write('x')\"\n";
    String url = harness.git.createRepo("tiny", Map.of("run.sh", script));
    TaskRecord r = harness.runToEnd(USER, url, null, List.of());

    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED);
    Map<String, byte[]> zip = harness.zip(USER, r);
    long size = Long.parseLong(new String(zip.get("(zip size)"), StandardCharsets.UTF_8));
    assertThat(size).isLessThanOrEqualTo(1 << 20);
    JsonNode result = Json.MAPPER.readTree(zip.get("result.json"));
    assertThat(result.at("/truncated/output").asBoolean()).isTrue();
    assertThat(zip.keySet().stream().filter(k -> k.startsWith("output/")).count())
        .isBetween(1000L, 99_999L);
  }
}
