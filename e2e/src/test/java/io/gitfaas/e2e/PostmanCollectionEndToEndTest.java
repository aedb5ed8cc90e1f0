package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.testkit.GoRepos;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Postman collection users start from, run by newman through oauth2-proxy. */
class PostmanCollectionEndToEndTest {
  static LocalStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = new LocalStack(Map.of());
    stack.startObserver(Map.of("MIN_WORKERS", "1", "OBSERVER_INTERVAL", "500ms"));
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  @Test
  void everyRequestOfTheCollectionPasses() throws Exception {
    Path postman = stack.root.resolve("postman");
    Path newman = postman.resolve("node_modules/.bin/newman");
    assertThat(newman).as("run scripts/install.sh (make test does)").exists();
    String repo = stack.git.createRepo("postman", GoRepos.sleeper("2s"));
    String alice = stack.login("alice@example.com");
    // Two tasks before the collection's own, listed a task a page: getAllTasks follows the pages.
    var api = new ApiClient(stack.baseUrl(), alice);
    for (int i = 0; i < 2; i++) {
      String body = "{\"url\": \"" + repo + "\", \"parameters\": []}";
      assertThat(api.post("/createTask", body).statusCode()).isEqualTo(201);
    }
    var pb =
        new ProcessBuilder(
                List.of(
                    newman.toString(),
                    "run",
                    "gitfaas.postman_collection.json",
                    "-e",
                    "gitfaas.postman_environment.json",
                    "--env-var",
                    "baseUrl=" + stack.baseUrl(),
                    "--env-var",
                    "cookie=" + alice,
                    "--env-var",
                    "pageSize=1",
                    "--env-var",
                    // as a whole Cookie header, the form a split session takes
                    "adminCookie=_oauth2_proxy=" + stack.login("root@example.com"),
                    "--env-var",
                    "repoUrl=" + repo,
                    "--reporters",
                    "cli",
                    "--color",
                    "off"))
            .directory(postman.toFile())
            .redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Files.writeString(stack.dir.resolve("newman.log"), out);
    System.out.println(out);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("assertions").doesNotContain("AssertionError");
    // Three tasks a page each: the request ran once per page.
    assertThat(out.split("getAllTasks", -1).length - 1).isGreaterThanOrEqualTo(3);
  }

  @Test
  void theCollectionSignsInOnceAndKeepsTheCookieSecret() throws Exception {
    Path postman = stack.root.resolve("postman");
    var collection =
        io.gitfaas.json.Json.MAPPER.readTree(
            postman.resolve("gitfaas.postman_collection.json").toFile());
    // One authorization for the whole collection; requests only say when theirs differs.
    assertThat(collection.at("/auth/type").asText()).isEqualTo("apikey");
    assertThat(collection.toString()).doesNotContain("\"key\":\"Cookie\",\"value\"");
    assertThat(collection.get("item"))
        .allSatisfy(folder -> assertThat(folder.has("item")).isTrue());
    var environment =
        io.gitfaas.json.Json.MAPPER.readTree(
            postman.resolve("gitfaas.postman_environment.json").toFile());
    for (var v : environment.get("values")) {
      if (v.get("key").asText().toLowerCase(java.util.Locale.ROOT).contains("cookie")) {
        assertThat(v.get("type").asText()).as(v.toString()).isEqualTo("secret");
      }
    }
    // Nothing the collection sends is read from a file the importer would not have.
    assertThat(collection.toString()).doesNotContain("\"src\"");
  }
}
