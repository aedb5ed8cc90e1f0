package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One user hammers the service through oauth2-proxy (a thousand event streams, a hundred request
 * bodies that never arrive, ten thousand status reads of unknown tasks, tasks while over the result
 * quota) while another user's task runs: that task still finishes. Its latency against a quiet run
 * is printed, not asserted (speed lives in the benchmarks).
 */
class HostileClientsEndToEndTest {
  static LocalStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = new LocalStack(Map.of("USER_RESULT_QUOTA", "1m"));
    stack.startWorker();
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  static JsonNode awaitTerminal(ApiClient client, String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode status = client.status(id);
      if (status.get("code").asInt() >= 300) {
        return status;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("task " + id + " did not end within 2 minutes");
  }

  static long run(ApiClient client, String repo) throws Exception {
    long start = System.nanoTime();
    String id = client.createTask(repo);
    JsonNode done = awaitTerminal(client, id);
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void anotherUsersTaskFinishesWhileOneUserHammersTheService() throws Exception {
    var alice = new ApiClient(stack.baseUrl(), stack.login("alice@example.com"));
    String malloryCookie = stack.login("mallory@example.com");
    var mallory = new ApiClient(stack.baseUrl(), malloryCookie);
    String quiet = stack.git.createRepo("quiet", Map.of("run.sh", "echo quiet\n"));
    String hoard =
        stack.git.createRepo(
            "hoard", Map.of("run.sh", "head -c 1200000 /dev/urandom > \"$OUTPUT_DIR/blob.bin\"\n"));
    run(alice, quiet); // the first run of a worker warms it up
    long quietMillis = run(alice, quiet);

    // Mallory's first result passes the quota of 1 MiB: it is kept, and no task is taken after.
    String first = mallory.createTask(hoard);
    JsonNode kept = awaitTerminal(mallory, first);
    assertThat(kept.get("status").asText()).isEqualTo("FINISHED");
    assertThat(kept.get("resultBytes").asLong()).isGreaterThan(1L << 20);
    var overQuota = mallory.post("/createTask", "{\"url\": \"" + hoard + "\"}");
    assertThat(overQuota.statusCode()).isEqualTo(429);
    assertThat(new String(overQuota.body(), StandardCharsets.UTF_8)).contains("USER_RESULT_QUOTA");

    HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(8)).build();
    ExecutorService load = Executors.newFixedThreadPool(32);
    List<Socket> slowBodies = new ArrayList<>();
    List<HttpResponse<?>> openStreams = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      // A hundred createTask bodies that announce a kilobyte and send ten bytes.
      for (int i = 0; i < 100; i++) {
        Socket s = new Socket("127.0.0.1", stack.proxyPort);
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /createTask HTTP/1.1\r\nHost: localhost\r\nCookie: _oauth2_proxy="
                    + malloryCookie
                    + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"url\": \"")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        slowBodies.add(s);
      }
      // Alice's task, while the rest of the load runs.
      Future<Long> aliceRun = Executors.newSingleThreadExecutor().submit(() -> run(alice, quiet));

      AtomicInteger streamsOpen = new AtomicInteger();
      AtomicInteger streamsRefused = new AtomicInteger();
      List<Callable<Void>> calls = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        calls.add(
            () -> {
              var r =
                  http.send(
                      HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/streamTasks"))
                          .header("Cookie", "_oauth2_proxy=" + malloryCookie)
                          .header("Accept", "text/event-stream")
                          .build(),
                      HttpResponse.BodyHandlers.ofInputStream());
              if (r.statusCode() == 200) {
                streamsOpen.incrementAndGet();
                openStreams.add(r);
              } else {
                assertThat(r.statusCode()).isEqualTo(429);
                r.body().close();
                streamsRefused.incrementAndGet();
              }
              return null;
            });
      }
      AtomicInteger unknown = new AtomicInteger();
      for (int i = 0; i < 10_000; i++) {
        calls.add(
            () -> {
              var r =
                  http.send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  stack.baseUrl() + "/getTaskStatus?taskId=" + UUID.randomUUID()))
                          .header("Cookie", "_oauth2_proxy=" + malloryCookie)
                          .build(),
                      HttpResponse.BodyHandlers.discarding());
              assertThat(r.statusCode()).isEqualTo(404);
              unknown.incrementAndGet();
              return null;
            });
      }
      java.util.Collections.shuffle(calls, new java.util.Random(1));
      for (Future<Void> f : load.invokeAll(calls)) {
        f.get();
      }
      long busyMillis = aliceRun.get();

      assertThat(streamsOpen.get()).isLessThanOrEqualTo(8);
      assertThat(streamsOpen.get() + streamsRefused.get()).isEqualTo(1000);
      assertThat(unknown.get()).isEqualTo(10_000);
      System.out.printf(
          "hostile load: alice's task took %d ms (quiet: %d ms, %.1fx); %d streams open, %d"
              + " refused; 10000 unknown ids 404; 100 slow bodies held%n",
          busyMillis,
          quietMillis,
          (double) busyMillis / quietMillis,
          streamsOpen.get(),
          streamsRefused.get());
    } finally {
      for (Socket s : slowBodies) {
        s.close();
      }
      for (HttpResponse<?> r : openStreams) {
        ((java.io.InputStream) r.body()).close();
      }
      load.shutdownNow();
    }
  }
}
