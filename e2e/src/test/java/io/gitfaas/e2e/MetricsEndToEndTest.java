package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import io.gitfaas.metrics.MetricsEndpoint;
import io.gitfaas.testkit.FreePort;
import io.gitfaas.testkit.GoRepos;
import io.gitfaas.testkit.ProjectFiles;
import io.gitfaas.testkit.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each service's /metrics during a run through oauth2-proxy, parsed as Prometheus' text format: the
 * counters moved with the tasks that ran, and every series the Grafana dashboard queries is one the
 * services export. The frontend and the observer run in this process (one endpoint serves their
 * meters); the worker is a process of its own, with its own endpoint.
 */
class MetricsEndToEndTest {
  static LocalStack stack;
  static MetricsEndpoint here;
  static int workerPort;

  @BeforeAll
  static void start() throws Exception {
    here = MetricsEndpoint.start("e2e", "127.0.0.1", 0);
    stack = new LocalStack(Map.of());
    workerPort = FreePort.pick();
    stack.env.put("METRICS_PORT", Integer.toString(workerPort));
    stack.startObserver(Map.of("MIN_WORKERS", "1", "MAX_WORKERS", "1", "OBSERVER_INTERVAL", "1s"));
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
    here.close();
  }

  static List<PrometheusText.Sample> scrape(int port) throws Exception {
    var r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  static JsonNode query(String url) throws Exception {
    var r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(r.body());
  }

  static JsonNode awaitEnd(ApiClient client, String id) {
    return await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> client.status(id), s -> s.get("code").asInt() >= 300);
  }

  @Test
  void theCountersMoveWithTheTasksAndTheDashboardQueriesWhatIsExported() throws Exception {
    var ivy = new ApiClient(stack.baseUrl(), stack.login("ivy@example.com"));
    String ok = ivy.createTask(stack.git.createRepo("metrics-ok", GoRepos.hello()));
    String failing =
        ivy.createTask(stack.git.createRepo("metrics-exit", Map.of("run.sh", "exit 3\n")));
    assertThat(awaitEnd(ivy, ok).get("status").asText()).isEqualTo("FINISHED");
    assertThat(awaitEnd(ivy, failing).get("status").asText()).isEqualTo("FINISHED_ERRORS");

    List<PrometheusText.Sample> service = scrape(here.port());
    List<PrometheusText.Sample> worker =
        // The worker counts a task just after its record is final: wait for both to be counted.
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(
                () -> scrape(workerPort),
                s ->
                    PrometheusText.sum(s, "gitfaas_tasks_ended_total", Map.of("service", "worker"))
                        == 2);
    assertThat(
            PrometheusText.sum(
                service,
                "gitfaas_http_requests_seconds_count",
                Map.of("route", "/createTask", "status", "201")))
        .isGreaterThanOrEqualTo(2);
    assertThat(PrometheusText.sum(service, "gitfaas_workers_current", Map.of())).isEqualTo(1);
    assertThat(
            PrometheusText.sum(
                service, "gitfaas_scaling_decisions_total", Map.of("direction", "up")))
        .isGreaterThanOrEqualTo(1);
    assertThat(
            PrometheusText.sum(
                worker,
                "gitfaas_tasks_ended_total",
                Map.of("status", "FINISHED", "service", "worker")))
        .isEqualTo(1);
    assertThat(
            PrometheusText.sum(
                worker, "gitfaas_tasks_ended_total", Map.of("status", "FINISHED_ERRORS")))
        .isEqualTo(1);
    assertThat(
            PrometheusText.sum(worker, "gitfaas_task_phase_seconds_count", Map.of("phase", "run")))
        .isEqualTo(2);
    assertThat(PrometheusText.sum(worker, "gitfaas_sandbox_starts_total", Map.of()))
        .isGreaterThanOrEqualTo(3); // two runs and a build, at least
    assertThat(
            PrometheusText.sum(
                worker, "gitfaas_cache_lookups_total", Map.of("kind", "clone", "result", "miss")))
        .isEqualTo(2);

    // A real Prometheus scrapes both endpoints and sees the same.
    Path prometheus = Path.of("/usr/bin/prometheus");
    assertThat(prometheus).as("run scripts/install.sh (make test does)").exists();
    Path dir = Files.createTempDirectory("prometheus");
    int port = FreePort.pick();
    Files.writeString(
        dir.resolve("prometheus.yml"),
        "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: gitfaas\n"
            + "    static_configs: [{targets: ['127.0.0.1:"
            + here.port()
            + "', '127.0.0.1:"
            + workerPort
            + "']}]\n");
    Process server =
        new ProcessBuilder(
                prometheus.toString(),
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    try {
      String finished =
          "http://127.0.0.1:"
              + port
              + "/api/v1/query?query="
              + java.net.URLEncoder.encode(
                  "sum(gitfaas_tasks_ended_total{status=\"FINISHED\"})",
                  java.nio.charset.StandardCharsets.UTF_8);
      // Both targets scraped, and up: the worker's and this process' endpoint.
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(
              () -> query("http://127.0.0.1:" + port + "/api/v1/query?query=sum(up)"),
              a -> a.at("/data/result/0/value/1").asText().equals("2"));
      JsonNode answer =
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(500))
              .ignoreExceptions()
              .until(() -> query(finished), a -> a.at("/data/result").size() == 1);
      assertThat(answer.at("/data/result/0/value/1").asText()).isEqualTo("1");
    } finally {
      server.destroy();
      server.waitFor();
    }

    // Every series a panel of the dashboard queries is one a service exports.
    Set<String> exported = new TreeSet<>();
    for (var s : service) {
      exported.add(s.name());
    }
    for (var s : worker) {
      exported.add(s.name());
    }
    JsonNode dashboard =
        Json.MAPPER.readTree(
            ProjectFiles.resolve("deploy/grafana/gitfaas-dashboard.json").toFile());
    List<String> queried = new ArrayList<>();
    Pattern series = Pattern.compile("\\bgitfaas_[a-z_]+");
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        Matcher m = series.matcher(target.get("expr").asText());
        while (m.find()) {
          queried.add(m.group());
        }
      }
    }
    assertThat(queried).isNotEmpty();
    assertThat(exported)
        .as("what the services export")
        .containsAll(queried.stream().collect(Collectors.toCollection(TreeSet::new)));
  }
}
