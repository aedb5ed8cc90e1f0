package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web console in Debian's chromium, driven by playwright-core (e2e/browser), through
 * oauth2-proxy and the dev identity provider: sign in, a rejected URL, a task seen PENDING, then
 * EXECUTING with live output, then FINISHED with its output and zip; the cookie copy; a phone's
 * width in light and dark colours; the admin panel with its chart, decisions and injected files;
 * axe-core's WCAG 2.1 AA rules on the pages. Screenshots of each step are left in
 * e2e/target/console-screenshots.
 */
class ConsoleBrowserEndToEndTest {
  static LocalStack stack;

  @BeforeAll
  static void start() throws Exception {
    // No workers yet: the task must be seen PENDING before the observer starts one.
    stack = new LocalStack(Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  @Test
  void aUserAndAnAdministratorUseTheConsole() throws Exception {
    Path browser = stack.root.resolve("e2e/browser");
    assertThat(browser.resolve("node_modules/playwright-core"))
        .as("run scripts/install.sh (make test does)")
        .exists();
    // Debian's chromium by default; CHROMIUM names another Chromium or Chrome binary.
    String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    assertThat(Path.of(chromium)).as("run scripts/install.sh, or set CHROMIUM").exists();
    String repo =
        stack.git.createRepo(
            "console-demo",
            Map.of(
                "run.sh",
                "for a in \"$@\"; do echo \"arg: [$a]\"; done\n"
                    + "echo a warning >&2\n"
                    + "for i in 1 2 3 4 5; do echo \"tick $i\"; sleep 0.5; done\n"));
    Path screenshots = stack.root.resolve("e2e/target/console-screenshots");
    var pb =
        new ProcessBuilder("node", "console.test.mjs")
            .directory(browser.toFile())
            .redirectErrorStream(true);
    pb.environment()
        .putAll(
            Map.of(
                "BASE_URL",
                stack.baseUrl(),
                "REPO_URL",
                repo,
                "USER_EMAIL",
                "ada@example.com",
                "ADMIN_EMAIL",
                "root@example.com",
                "SCREENSHOTS",
                screenshots.toString(),
                "CHROMIUM",
                chromium));
    Process node = pb.start();
    List<String> out = new ArrayList<>();
    try (var lines =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        System.out.println("[browser] " + line);
        out.add(line);
        if (line.startsWith("STEP task-pending")) {
          stack.startObserver(Map.of("MIN_WORKERS", "1", "OBSERVER_INTERVAL", "500ms"));
        }
      }
    }
    assertThat(node.waitFor(1, TimeUnit.MINUTES)).isTrue();
    String all = String.join("\n", out);
    assertThat(node.exitValue()).as(all).isZero();
    assertThat(all).contains("PASS");
    for (String step :
        List.of(
            "signed-in",
            "bad-url-explained",
            "task-pending",
            "executing-live-output",
            "finished",
            "phone",
            "phone-dark",
            "admin-panel",
            "accessible the task list with output",
            "accessible the dark colour scheme",
            "accessible the admin panel")) {
      assertThat(all).contains("STEP " + step);
    }
    try (var files = Files.list(screenshots)) {
      assertThat(files.filter(p -> p.toString().endsWith(".png")).count())
          .isGreaterThanOrEqualTo(8);
    }
  }
}
