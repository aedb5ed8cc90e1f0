package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.nats.NatsResources;
import io.gitfaas.task.UserKey;
import io.gitfaas.testkit.GoRepos;
import io.gitfaas.worker.limits.Cgroups;
import io.gitfaas.worker.sandbox.Sandbox;
import io.gitfaas.worker.sandbox.SandboxCommand;
import io.gitfaas.worker.sandbox.SandboxSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `make bench`: measures the service on this machine and writes docs/BENCHMARKS.md. Figures only,
 * never assertions on time: the one assertion is that no task is lost.
 */
@Tag("bench")
class Benchmarks {
  static final StringBuilder REPORT = new StringBuilder();

  static double[] percentiles(List<Long> millis) {
    long[] a = millis.stream().mapToLong(Long::longValue).sorted().toArray();
    return new double[] {
      a[(int) (a.length * 0.50)],
      a[Math.min(a.length - 1, (int) (a.length * 0.95))],
      a[Math.min(a.length - 1, (int) (a.length * 0.99))]
    };
  }

  static String row(String what, List<Long> millis) {
    double[] p = percentiles(millis);
    return String.format(
        "| %s | %d | %.0f | %.0f | %.0f |%n", what, millis.size(), p[0], p[1], p[2]);
  }

  static long runOne(ApiClient client, String url) throws Exception {
    long start = System.nanoTime();
    String id = client.createTask(url);
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> client.status(id).get("code").asInt() >= 300);
    return (System.nanoTime() - start) / 1_000_000;
  }

  static long timed(ProcessBuilder pb) throws Exception {
    long start = System.nanoTime();
    Process p =
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(p.waitFor()).isZero();
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** CPU time of the whole machine in ticks (1/100 s): user, nice, system, irq, softirq. */
  static long cpuTicks() throws Exception {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    return Long.parseLong(f[1])
        + Long.parseLong(f[2])
        + Long.parseLong(f[3])
        + Long.parseLong(f[6])
        + Long.parseLong(f[7]);
  }

  static long rssKb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return 0;
  }

  @Test
  void measureAndWriteTheReport() throws Exception {
    try (LocalStack stack = new LocalStack(Map.of())) {
      Process worker = stack.startWorker();
      var alice = new ApiClient(stack.baseUrl(), stack.login("bench@example.com"));
      String hello = stack.git.createRepo("hello", GoRepos.hello());
      runOne(alice, hello); // first task of this user: builds Go's standard library

      // 1. Latency, cold (a new commit each time) and warm (the same commit: build reused).
      List<Long> cold = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        var files = new java.util.HashMap<>(GoRepos.hello());
        files.put("version.txt", Integer.toString(i));
        cold.add(runOne(alice, stack.git.createRepo("cold" + i, files)));
      }
      List<Long> warm = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        warm.add(runOne(alice, hello));
      }

      // 2. The floor: the same phases without the service.
      Path dir = Files.createTempDirectory("bench-floor-");
      List<Long> clone = new ArrayList<>();
      List<Long> build = new ArrayList<>();
      List<Long> sandboxed = new ArrayList<>();
      Path identity = dir.resolve("identity");
      SandboxCommand.writeIdentity(identity);
      Sandbox sandbox =
          new Sandbox(
              new SandboxCommand(Path.of("/usr/bin/bwrap"), identity, null),
              Path.of("/usr/bin/prlimit"),
              Cgroups.detect(Path.of("/sys/fs/cgroup")));
      Path gocache =
          Path.of(System.getProperty("java.io.tmpdir"), "gitfaas-test-cache")
              .resolve(UserKey.of("bench@example.com"))
              .resolve("go");
      for (int i = 0; i < 20; i++) {
        Path src = dir.resolve("src" + i);
        clone.add(
            timed(new ProcessBuilder("git", "clone", "-q", "--depth", "1", hello, src.toString())));
        var pb =
            new ProcessBuilder("go", "build", "-trimpath", "-o", src.resolve("app").toString(), ".")
                .directory(src.toFile());
        pb.environment().put("GOCACHE", gocache.resolve("go-build").toString());
        pb.environment().put("GOFLAGS", "-mod=mod");
        build.add(timed(pb));
        var spec =
            new SandboxSpec(
                List.of("/work/app", "x"),
                "/",
                Map.of(),
                Map.of(src.resolve("app"), "/work/app"),
                Map.of("PATH", "/usr/bin"),
                false,
                Duration.ofSeconds(20),
                1 << 20,
                new SandboxSpec.Limits(512L << 20, 128, 1L << 30, List.of()));
        sandboxed.add(sandbox.run(spec, dir.resolve("o"), dir.resolve("e")).wallTime().toMillis());
      }
      List<Long> floor = new ArrayList<>();
      List<Long> floorRepeat = new ArrayList<>();
      for (int i = 0; i < clone.size(); i++) {
        floor.add(clone.get(i) + build.get(i) + sandboxed.get(i));
        floorRepeat.add(clone.get(i) + sandboxed.get(i));
      }

      // 5a. Memory of an idle worker.
      long idleWorkerKb = rssKb(worker.pid());

      // 3. Throughput: a burst of 200 trivial tasks on 3 workers.
      stack.startWorker();
      stack.startWorker();
      long cpuBefore = 0;
      String trivial = stack.git.createRepo("trivial", Map.of("run.sh", "echo hi\n"));
      var burst = new ApiClient(stack.baseUrl(), stack.login("burst@example.com"));
      runOne(burst, trivial);
      List<String> ids = new ArrayList<>();
      // CPU of the whole machine while the burst is served: workers and their sandboxes, this
      // JVM (the frontend and the client), nats-server and oauth2-proxy.
      cpuBefore = cpuTicks();
      long burstStart = System.nanoTime();
      AtomicLong peakBusyKb = new AtomicLong();
      for (int i = 0; i < 200; i++) {
        String id = null;
        while (id == null) {
          try {
            id = burst.createTask(trivial);
          } catch (IllegalStateException limit) {
            Thread.sleep(200); // 429: the user's 80 active tasks; wait for some to finish
          }
        }
        ids.add(id);
        peakBusyKb.accumulateAndGet(rssKb(worker.pid()), Math::max);
      }
      int finished = 0;
      for (String id : ids) {
        var s =
            await()
                .atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> burst.status(id), r -> r.get("code").asInt() >= 300);
        finished += s.get("status").asText().equals("FINISHED") ? 1 : 0;
      }
      double drainSeconds = (System.nanoTime() - burstStart) / 1e9;
      double cpuSeconds = (cpuTicks() - cpuBefore) / 100.0;
      assertThat(finished).as("tasks lost or failed").isEqualTo(200);

      // 4. REST: getTaskStatus, direct, through oauth2-proxy, and the raw KV get floor.
      String statusPath = "/getTaskStatus?taskId=" + ids.get(0);
      HttpClient http = HttpClient.newHttpClient();
      String token = stack.idToken("burst@example.com");
      String cookie = stack.login("burst@example.com");
      double[] direct =
          load(
              () ->
                  http.send(
                          HttpRequest.newBuilder(URI.create(stack.frontendUrl() + statusPath))
                              .header("Authorization", "Bearer " + token)
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode());
      double[] proxied =
          load(
              () ->
                  http.send(
                          HttpRequest.newBuilder(URI.create(stack.baseUrl() + statusPath))
                              .header("Cookie", "_oauth2_proxy=" + cookie)
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode());
      var kv =
          stack.connection.keyValue(
              NatsResources.USER_BUCKET_PREFIX + UserKey.of("burst@example.com"));
      double[] raw = load(() -> kv.get(ids.get(0)) != null ? 200 : 404);

      report(
          cold,
          warm,
          clone,
          build,
          sandboxed,
          floor,
          floorRepeat,
          drainSeconds,
          cpuSeconds,
          direct,
          proxied,
          raw,
          idleWorkerKb,
          peakBusyKb.get());
    }
  }

  interface Call {
    int call() throws Exception;
  }

  /** Requests per second and p99 latency (ms) of 4 threads for 5 s. */
  static double[] load(Call call) throws Exception {
    for (int i = 0; i < 200; i++) {
      call.call(); // warm up
    }
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < end) {
                    long s = System.nanoTime();
                    if (call.call() != 200) {
                      throw new IllegalStateException("not 200");
                    }
                    latencies.add((System.nanoTime() - s) / 1000);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      th.join();
    }
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    return new double[] {sorted.length / 5.0, sorted[(int) (sorted.length * 0.99)] / 1000.0};
  }

  static double p50(List<Long> l) {
    return percentiles(l)[0];
  }

  static void report(
      List<Long> cold,
      List<Long> warm,
      List<Long> clone,
      List<Long> build,
      List<Long> sandboxed,
      List<Long> floor,
      List<Long> floorRepeat,
      double drainSeconds,
      double cpuSeconds,
      double[] direct,
      double[] proxied,
      double[] raw,
      long idleKb,
      long busyKb)
      throws Exception {
    String cpu =
        Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name"))
            .findFirst()
            .orElse("?")
            .replaceAll(".*: ", "");
    var r = new StringBuilder();
    r.append("# Benchmarks\n\n");
    r.append("Measured by `make bench` on ")
        .append(Instant.now())
        .append(": ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores (")
        .append(cpu)
        .append("), ")
        .append(Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " "))
        .append(
            ". The local stack of the end-to-end tests: nats-server, the frontend, oauth2-proxy, worker processes with bubblewrap; repositories from a local `git http-backend`.\n\n");
    r.append("## 1. Hello-world Go task, createTask to FINISHED through oauth2-proxy (ms)\n\n");
    r.append("| case | n | p50 | p95 | p99 |\n|---|---|---|---|---|\n");
    r.append(row("cold: a new commit each time (clone, build, run)", cold));
    r.append(row("warm: the same commit again (build reused)", warm));
    r.append("\n## 2. The floor: the same phases without the service (ms)\n\n");
    r.append("| phase | n | p50 | p95 | p99 |\n|---|---|---|---|---|\n");
    r.append(row("`git clone --depth 1` of the same repository", clone));
    r.append(row("`go build` (warm Go cache)", build));
    r.append(row("running the binary in the sandbox", sandboxed));
    r.append(row("clone + build + sandboxed run", floor));
    r.append(row("clone + sandboxed run (a reused build)", floorRepeat));
    r.append(
        String.format(
            "%nRatios of p50s: cold / (clone + build + run) = %.2f (%+.0f ms); "
                + "warm / (clone + run) = %.2f (%+.0f ms).%n",
            p50(cold) / p50(floor),
            p50(cold) - p50(floor),
            p50(warm) / p50(floorRepeat),
            p50(warm) - p50(floorRepeat)));
    int cores = Runtime.getRuntime().availableProcessors();
    double cpuBound = cores / (cpuSeconds / 200);
    r.append(
        String.format(
            "%n## 3. Burst%n%n200 trivial shell tasks submitted at once (one user, so the"
                + " 80-active-task limit paces the submission) on 3 workers of 1 task each:"
                + " drained in %.1f s, %.1f tasks/s; all 200 FINISHED. The machine spent %.1f"
                + " CPU-seconds on them (%.0f ms per task: workers, sandboxes, frontend, client,"
                + " NATS, oauth2-proxy), so %d cores allow at most %.1f tasks/s: the burst ran at"
                + " %.0f%% of that.%n",
            drainSeconds,
            200 / drainSeconds,
            cpuSeconds,
            1000 * cpuSeconds / 200,
            cores,
            cpuBound,
            100 * (200 / drainSeconds) / cpuBound));
    r.append(
        "\n## 4. getTaskStatus, 4 client threads for 5 s\n\n| path | requests/s | p99 ms |\n|---|---|---|\n");
    r.append(
        String.format(
            "| straight to the frontend (Bearer ID token) | %.0f | %.1f |%n",
            direct[0], direct[1]));
    r.append(
        String.format("| through oauth2-proxy (cookie) | %.0f | %.1f |%n", proxied[0], proxied[1]));
    r.append(String.format("| floor: raw NATS KV get from Java | %.0f | %.1f |%n", raw[0], raw[1]));
    r.append(String.format("%nFrontend / raw KV = %.2f.%n", direct[0] / raw[0]));
    r.append(
        String.format(
            "%n## 5. Memory%n%nA worker process: %d MiB resident idle, %d MiB at most"
                + " while the burst ran. (The frontend and observer run inside the benchmark's own JVM"
                + " here, so they are not measured separately yet.)%n",
            idleKb / 1024, busyKb / 1024));
    r.append("\n## Targets\n\n| target | measured | met |\n|---|---|---|\n");
    double coldRatio = p50(cold) / p50(floor);
    double coldOver = p50(cold) - p50(floor);
    r.append(
        String.format(
            "| new-commit p50 at most 1.5x the floor and at most 60 ms above | %.2fx, %+.0f ms | %s |%n",
            coldRatio, coldOver, coldRatio <= 1.5 && coldOver <= 60 ? "yes" : "no"));
    double repeat = p50(warm) / p50(sandboxed);
    r.append(
        String.format(
            "| repeated commit p50 within 2x of a bare sandboxed run | %.1fx (the clone is still made) | %s |%n",
            repeat, repeat <= 2 ? "yes" : "no"));
    double rest = direct[0] / raw[0];
    r.append(
        String.format(
            "| getTaskStatus at least 50%% of the raw KV get rate | %.0f%% | %s |%n",
            100 * rest, rest >= 0.5 ? "yes" : "no"));
    double share = (200 / drainSeconds) / cpuBound;
    r.append(
        String.format(
            "| burst drains at 70%% of the CPU-bound rate | %.0f%% | %s |%n",
            100 * share, share >= 0.7 ? "yes" : "no"));
    Path out = LocalStack.projectRoot().resolve("docs/BENCHMARKS.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, r.toString());
    System.out.println(r);
  }
}
