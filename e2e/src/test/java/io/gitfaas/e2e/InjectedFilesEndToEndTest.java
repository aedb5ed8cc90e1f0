package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An admin injects a file larger than a NATS message; every task then reads it. */
class InjectedFilesEndToEndTest {
  static LocalStack stack;
  static ApiClient root;
  static ApiClient user;

  @BeforeAll
  static void start() throws Exception {
    stack = new LocalStack(Map.of("INJECT_MAX_BYTES", "8m"));
    stack.startWorker();
    root = new ApiClient(stack.baseUrl(), stack.login("root@example.com"));
    user = new ApiClient(stack.baseUrl(), stack.login("frank@example.com"));
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  static JsonNode runToEnd(ApiClient client, String url) throws Exception {
    String id = client.createTask(url);
    return await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> client.status(id), s -> s.get("code").asInt() >= 300);
  }

  @Test
  void injectedFileReachesEveryTaskAndGoesWhenDeleted() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024 + 5];
    new Random(3).nextBytes(data);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));

    var accepted = root.upload("/injectFile", "../../data set.bin", data);
    assertThat(accepted.statusCode()).as(new String(accepted.body())).isEqualTo(202);
    JsonNode body = root.json(accepted);
    assertThat(body.get("name").asText()).isEqualTo("data_set.bin");
    assertThat(body.get("size").asLong()).isEqualTo(data.length);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> root.json(root.get("/getInjectedFiles")).get("files").toString(),
            files -> files.contains("data_set.bin"));

    String reader =
        stack.git.createRepo(
            "reader",
            Map.of(
                "run.sh",
                "[ -f \"$INJECT_DIR/data_set.bin\" ] || exit 3\n"
                    + "sha256sum \"$INJECT_DIR/data_set.bin\" | cut -d' ' -f1\n"
                    + "touch \"$INJECT_DIR/x\" 2>/dev/null && echo writable || echo read-only\n"));
    JsonNode done = runToEnd(user, reader);
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
    String out =
        UserPathEndToEndTest.unzip(
                user.get("/getTaskResult?taskId=" + done.get("taskId").asText()).body())
            .get("stdout.txt");
    assertThat(out).isEqualTo(sha + "\nread-only\n");

    assertThat(root.post("/deleteInjectedFile?name=data_set.bin", "").statusCode()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> root.json(root.get("/getInjectedFiles")).get("files").size() == 0);
    JsonNode after = runToEnd(user, reader);
    assertThat(after.get("status").asText()).isEqualTo("FINISHED_ERRORS");
    assertThat(after.get("exitCode").asInt()).isEqualTo(3);
  }

  @Test
  void onlyAdminsInjectAndTooLargeIs413() throws Exception {
    assertThat(user.upload("/injectFile", "x.txt", new byte[10]).statusCode()).isEqualTo(403);
    assertThat(user.get("/getInjectedFiles").statusCode()).isEqualTo(403);
    assertThat(user.post("/deleteInjectedFile?name=x.txt", "").statusCode()).isEqualTo(403);
    assertThat(user.get("/getSystemStatus").statusCode()).isEqualTo(403);
    assertThat(root.upload("/injectFile", "big.bin", new byte[9 * 1024 * 1024]).statusCode())
        .isEqualTo(413);
    assertThat(root.post("/injectFile", "{}").statusCode()).isEqualTo(400);
    assertThat(root.post("/deleteInjectedFile?name=..", "").statusCode()).isEqualTo(400);
  }
}
