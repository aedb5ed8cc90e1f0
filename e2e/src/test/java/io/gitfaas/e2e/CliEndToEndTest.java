package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line, scripts/gitfaas, against the service through oauth2-proxy. */
class CliEndToEndTest extends OneWorkerStack {
  record Ran(int status, String out, String err) {}

  static Ran gitfaas(Map<String, String> env, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(List.of(stack.root.resolve("scripts/gitfaas").toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("cli", ".out");
    Path err = Files.createTempFile("cli", ".err");
    var pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("GITFAAS_URL", stack.baseUrl());
    pb.environment().remove("GITFAAS_TOKEN");
    pb.environment().remove("GITFAAS_COOKIE_FILE");
    pb.environment().putAll(env);
    int status = pb.start().waitFor();
    return new Ran(status, Files.readString(out), Files.readString(err));
  }

  @Test
  void runPrintsTheOutputAndExitsWithTheTasksExitCode() throws Exception {
    Map<String, String> token = Map.of("GITFAAS_TOKEN", stack.loginToken("gina@example.com"));
    String url =
        stack.git.createRepo(
            "cli",
            Map.of("run.sh", "echo \"hello $*\"\necho oops >&2\nsleep 0.3\necho done\nexit 3\n"));
    Path zip = Files.createTempFile("cli", ".zip");

    Ran run = gitfaas(token, "run", url, "-o", zip.toString(), "--", "a", "b c");
    assertThat(run.status()).as(run.err()).isEqualTo(3);
    assertThat(run.out()).isEqualTo("hello a b c\ndone\n");
    assertThat(run.err()).contains("oops", "FINISHED_ERRORS exit 3");
    assertThat(new String(Files.readAllBytes(zip), 0, 2, StandardCharsets.US_ASCII))
        .isEqualTo("PK");
    String id = run.err().replaceAll("(?s).*task ([0-9a-f-]{36}).*", "$1");

    Ran status = gitfaas(token, "--json", "status", id);
    assertThat(status.status()).isZero();
    JsonNode record = Json.MAPPER.readTree(status.out());
    assertThat(record.get("status").asText()).isEqualTo("FINISHED_ERRORS");
    assertThat(record.get("exitCode").asInt()).isEqualTo(3);
    assertThat(gitfaas(token, "list").out()).contains(id, url);
    assertThat(gitfaas(token, "output", id, "--stream", "stderr").out()).isEqualTo("oops\n");

    // A session cookie in a file works as well; a bad token says how to sign in.
    Path cookie = Files.createTempFile("cookie", "");
    Files.writeString(cookie, stack.login("gina@example.com") + "\n");
    assertThat(gitfaas(Map.of("GITFAAS_COOKIE_FILE", cookie.toString()), "status", id).out())
        .startsWith(id + " FINISHED_ERRORS exit 3");
    Ran refused = gitfaas(Map.of("GITFAAS_TOKEN", "not-a-token"), "list");
    assertThat(refused.status()).isEqualTo(69);
    assertThat(refused.err()).contains("scripts/login.sh --token");
  }
}
