package io.gitfaas.worker.callback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.gitfaas.callback.Callback;
import io.gitfaas.callback.CallbackSigner;
import io.gitfaas.callback.NatsCallbackQueue;
import io.gitfaas.config.Settings.GitSettings;
import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.git.RejectedUrlException;
import io.gitfaas.http.JdkHttpServers;
import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.testkit.JetStreamFixture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Callbacks from the queue to a real receiver: signed, retried after a failure, given up after the
 * last try, and never sent to the host's own network unless the settings allow it, however the name
 * resolves by then.
 */
class CallbackSenderIntegrationTest {
  static final String KEY = "k".repeat(40);
  static final String OWNER = "ann@example.com";
  static final List<Duration> QUICK = List.of(Duration.ofMillis(100), Duration.ofMillis(100));

  record Received(Map<String, List<String>> headers, byte[] body) {}

  JetStreamFixture nats;
  HttpServer receiver;
  final List<Received> received = new CopyOnWriteArrayList<>();
  IntSupplier answer = () -> 200;
  CallbackSender sender;

  @BeforeEach
  void start() throws Exception {
    nats = new JetStreamFixture("callback-test");
    receiver = JdkHttpServers.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          received.add(
              new Received(
                  Map.copyOf(exchange.getRequestHeaders()),
                  exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(answer.getAsInt(), -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (sender != null) {
      sender.close();
    }
    receiver.stop(0);
    nats.close();
  }

  String hook() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook?from=gitfaas";
  }

  static GitUrlPolicy policy(boolean allowPrivate, GitUrlPolicy.Resolver resolver) {
    return new GitUrlPolicy(
        new GitSettings(Set.of("git.example"), true, allowPrivate, 1), resolver);
  }

  void startSender(GitUrlPolicy policy) {
    sender =
        new CallbackSender(
                nats.connection(),
                policy,
                new CallbackSigner(KEY),
                QUICK,
                Clock.systemUTC(),
                e -> {})
            .start();
  }

  TaskRecord queue(String url) {
    var request =
        new TaskRequest(
            UUID.randomUUID(),
            OWNER,
            "https://git.example/x.git",
            null,
            List.of(),
            Instant.now(),
            url,
            null);
    TaskRecord ended =
        TaskRecord.pending(request)
            .executing(Instant.now(), 1)
            .finished(TaskStatus.FINISHED, Instant.now(), 0, null, null, 22L, null);
    new NatsCallbackQueue(nats.connection()).publish(Callback.of(OWNER, ended).orElseThrow());
    return ended;
  }

  /** Every queued callback delivered or given up. */
  void awaitSettled() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              var info =
                  nats.connection()
                      .jetStreamManagement()
                      .getConsumerInfo(
                          NatsTopology.CALLBACK_STREAM, NatsTopology.CALLBACK_CONSUMER);
              return info.getNumPending() == 0 && info.getNumAckPending() == 0;
            });
  }

  @Test
  void aCallbackIsSignedForItsOwnerAndTriedAgainAfterAFailure() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    answer = () -> calls.incrementAndGet() == 1 ? 500 : 204;
    startSender(policy(true, InetAddress::getAllByName));
    TaskRecord ended = queue(hook());
    awaitSettled();

    assertThat(received).hasSize(2);
    Received last = received.get(1);
    assertThat(last.headers().get("X-gitfaas-delivery")).containsExactly("2");
    assertThat(last.headers().get("X-gitfaas-task-id")).containsExactly(ended.taskId().toString());
    assertThat(Json.read(last.body(), TaskRecord.class)).isEqualTo(ended);
    // The receiver checks the signature with the owner's secret, as getCallbackSecret shows it.
    String header = last.headers().get("X-gitfaas-signature").get(0);
    long t = Long.parseLong(header.substring(2, header.indexOf(',')));
    String secret = new CallbackSigner(KEY).secretOf(OWNER);
    assertThat(header).endsWith(",v1=" + CallbackSigner.signature(secret, t, last.body()));
    assertThat(new String(last.body(), StandardCharsets.UTF_8)).contains("\"status\":\"FINISHED\"");
    assertThat(new CallbackSigner(KEY).secretOf("bob@example.com")).isNotEqualTo(secret);
  }

  @Test
  void aReceiverThatKeepsFailingIsGivenUpAfterThreeTries() throws Exception {
    answer = () -> 503;
    startSender(policy(true, InetAddress::getAllByName));
    queue(hook());
    awaitSettled();

    assertThat(received).hasSize(NatsTopology.CALLBACK_MAX_DELIVER);
  }

  @Test
  void theHostsOwnNetworkIsRefusedEvenWhenTheNameFirstResolvedElsewhere() throws Exception {
    // The name was public when the task was created; by the time the task ends it is loopback.
    AtomicInteger lookups = new AtomicInteger();
    GitUrlPolicy.Resolver rebinding =
        host ->
            lookups.incrementAndGet() == 1
                ? new InetAddress[] {InetAddress.getByName("93.184.216.34")}
                : new InetAddress[] {InetAddress.getLoopbackAddress()};
    String url = "http://rebinding.example:" + receiver.getAddress().getPort() + "/hook";
    policy(false, rebinding).anyHost().check(url); // what createTask checked
    startSender(policy(false, rebinding));
    queue(url);
    queue(hook()); // an address of the host's network as such
    awaitSettled();

    assertThat(received).isEmpty();
    assertThat(lookups.get()).isGreaterThan(1);
    assertThat(
            org.junit.jupiter.api.Assertions.assertThrows(
                RejectedUrlException.class, () -> policy(false, rebinding).anyHost().check(url)))
        .hasMessageContaining("loopback");
  }
}
