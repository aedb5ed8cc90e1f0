package io.gitfaas.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the command line says and returns without a service: usage, sign-in, exit statuses. */
class GitfaasCliTest {
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(Map<String, String> env, String... args) {
    return GitfaasCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void withoutCredentialsItSaysHowToSignIn() {
    assertThat(run(Map.of(), "status", "x")).isEqualTo(GitfaasCli.REFUSED);
    assertThat(err.toString())
        .contains("not signed in", "GITFAAS_TOKEN", "scripts/login.sh --token");
  }

  @Test
  void aServiceThatIsNotThereIsSaidSo() {
    assertThat(run(Map.of("GITFAAS_TOKEN", "t", "GITFAAS_URL", "http://127.0.0.1:1"), "list"))
        .isEqualTo(GitfaasCli.REFUSED);
    assertThat(err.toString()).contains("cannot reach http://127.0.0.1:1");
  }

  @Test
  void badUsageIsExitStatusTwoWithHelp() {
    assertThat(run(Map.of(), "run")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required parameter");
    assertThat(run(Map.of(), "--help")).isZero();
    assertThat(out.toString()).contains("run", "status", "list", "GITFAAS_TOKEN");
  }

  @Test
  void theExitStatusSaysHowTheTaskEnded() throws Exception {
    assertThat(GitfaasCli.exitStatusOf(task("{\"status\": \"FINISHED\", \"exitCode\": 0}")))
        .isZero();
    assertThat(GitfaasCli.exitStatusOf(task("{\"status\": \"FINISHED_ERRORS\", \"exitCode\": 3}")))
        .isEqualTo(3);
    assertThat(
            GitfaasCli.exitStatusOf(task("{\"status\": \"FINISHED_ERRORS\", \"exitCode\": null}")))
        .isEqualTo(1);
    assertThat(GitfaasCli.exitStatusOf(task("{\"status\": \"UNEXPECTED_ERRORS\"}")))
        .isEqualTo(GitfaasCli.SERVICE_FAILED_TASK);
  }

  static JsonNode task(String json) throws Exception {
    return Api.JSON.readTree(json);
  }
}
