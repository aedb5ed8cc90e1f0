package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.testkit.ProjectFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frontend's OpenAPI document passes Redocly's linter, every recommended rule (api-lint/). */
class OpenApiLintTest {
  @Test
  void theApiDescriptionPassesTheLinterWithoutAWarning() throws Exception {
    Path lint = ProjectFiles.resolve("api-lint");
    Path redocly = lint.resolve("node_modules/.bin/redocly");
    assertThat(redocly).as("run scripts/install.sh (make test does)").exists();
    Process p =
        new ProcessBuilder(
                List.of(
                    redocly.toString(),
                    "lint",
                    "--config",
                    lint.resolve("redocly.yaml").toString(),
                    ProjectFiles.resolve("frontend/src/main/resources/openapi.json").toString()))
            .directory(lint.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).as(out).contains("is valid").doesNotContainPattern("You have \\d+ warning");
  }
}
