package io.gitfaas.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.config.Settings;
import io.gitfaas.config.Settings.NatsSettings;
import io.gitfaas.inject.InjectedFilesMirror;
import io.gitfaas.inject.InjectionApplier;
import io.gitfaas.inject.NatsInjectionRequests;
import io.gitfaas.store.NatsResultStore;
import io.gitfaas.task.NatsCancelSignal;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StreamConfiguration;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The project's nats-server configuration: one user per service, each with what it needs. */
class NatsPermissionsIntegrationTest {
  static NatsTestServer nats;
  static Connection frontend;
  static Connection worker;

  @BeforeAll
  static void start() throws Exception {
    nats = NatsTestServer.withAuth();
    frontend = connect("frontend");
    worker = connect("worker");
    NatsResources.of(frontend, Settings.fromEnv(Map.of(), Settings.Service.WORKER)).ensure();
  }

  @AfterAll
  static void stop() throws Exception {
    frontend.close();
    worker.close();
    nats.close();
  }

  static Connection connect(String service) throws Exception {
    Map<String, String> env = nats.env(service);
    return NatsConnector.connect(
        new NatsSettings(env.get("NATS_URL"), env.get("NATS_USER"), env.get("NATS_PASSWORD"), 1),
        service);
  }

  @Test
  void injectedFilesFlowFromFrontendThroughInjectorToWorkers() throws Exception {
    Settings settings = Settings.fromEnv(Map.of(), Settings.Service.WORKER);
    try (Connection injector = connect("injector")) {
      var staged =
          new NatsInjectionRequests(frontend, NatsResources.of(frontend, settings))
              .stage("data.txt", new ByteArrayInputStream("42".getBytes()), 1024, "root");
      Path scratch = Files.createTempDirectory("inject");
      new InjectionApplier(NatsResources.of(injector, settings)).apply(staged, scratch);
      Path mirror = scratch.resolve("mirror");
      new InjectedFilesMirror(NatsResources.of(worker, settings)).mirror(mirror);
      assertThat(Files.readString(mirror.resolve("data.txt"))).isEqualTo("42");
    }
  }

  @Test
  void nothingConnectsWithoutCredentials() {
    Options anonymous =
        new Options.Builder().server(nats.url()).maxReconnects(0).noReconnect().build();
    assertThatThrownBy(() -> Nats.connect(anonymous)).hasMessageContaining("Authorization");
    Options wrong =
        new Options.Builder()
            .server(nats.url())
            .userInfo("worker", "not-the-password")
            .noReconnect()
            .build();
    assertThatThrownBy(() -> Nats.connect(wrong)).hasMessageContaining("Authorization");
  }

  @Test
  void workersCannotEnqueueTasksOrDeleteStreams() throws Exception {
    var js =
        worker.jetStream(
            io.nats.client.JetStreamOptions.builder()
                .requestTimeout(Duration.ofSeconds(2))
                .build());
    assertThatThrownBy(() -> js.publish(NatsTopology.TASK_SUBJECT, "x".getBytes()))
        .isInstanceOf(Exception.class);
    assertThatThrownBy(() -> js.publish(NatsTopology.taskSubject("someone"), "x".getBytes()))
        .isInstanceOf(Exception.class);
    var jsm =
        worker.jetStreamManagement(
            io.nats.client.JetStreamOptions.builder()
                .requestTimeout(Duration.ofSeconds(2))
                .build());
    assertThatThrownBy(() -> jsm.deleteStream(NatsTopology.TASK_STREAM))
        .isInstanceOf(Exception.class);
    assertThat(frontend.jetStreamManagement().getStreamInfo(NatsTopology.TASK_STREAM)).isNotNull();
  }

  @Test
  void theFrontendCannotTakeTasksFromTheQueue() throws Exception {
    frontend.jetStream().publish(NatsTopology.taskSubject("someone"), "{}".getBytes());
    var fromFrontend =
        frontend
            .getStreamContext(NatsTopology.TASK_STREAM)
            .getConsumerContext(NatsTopology.WORKER_CONSUMER);
    assertThat(fromFrontend.next(Duration.ofSeconds(2))).isNull();
    var fromWorker =
        worker
            .getStreamContext(NatsTopology.TASK_STREAM)
            .getConsumerContext(NatsTopology.WORKER_CONSUMER);
    var msg = fromWorker.next(Duration.ofSeconds(5));
    assertThat(msg).isNotNull();
    msg.ack();
  }

  @Test
  void theFrontendCannotPurgeTheQueue() {
    assertThatThrownBy(() -> frontend.jetStreamManagement().purgeStream(NatsTopology.TASK_STREAM))
        .isInstanceOfAny(JetStreamApiException.class, java.io.IOException.class);
  }

  @Test
  void theFrontendTellsWorkersOfCancellationsAndRemovesResults() throws Exception {
    var heard = new java.util.concurrent.LinkedBlockingQueue<java.util.UUID>();
    java.util.UUID id = java.util.UUID.randomUUID();
    try (AutoCloseable listening = new NatsCancelSignal(worker).listen(heard::add)) {
      worker.flush(Duration.ofSeconds(5)); // subscribed before the signal goes out
      new NatsCancelSignal(frontend).send("ann@example.com", id);
      assertThat(heard.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(id);
    }
    Settings settings = Settings.fromEnv(Map.of(), Settings.Service.WORKER);
    Path zip = Files.createTempFile("result", ".zip");
    Files.write(zip, new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    new NatsResultStore(NatsResources.of(worker, settings)).put("ann@example.com", id, 1, zip);
    var fromFrontend = new NatsResultStore(NatsResources.of(frontend, settings));
    fromFrontend.delete("ann@example.com", id, 1);
    assertThat(fromFrontend.size("ann@example.com", id, 1)).isEmpty();
    Files.delete(zip);
  }

  /** A PENDING task of {@code owner}, recorded as the frontend does. */
  static void recordATask(String owner) {
    var request =
        new io.gitfaas.task.TaskRequest(
            java.util.UUID.randomUUID(),
            owner,
            "https://x/y",
            null,
            List.of(),
            java.time.Instant.now());
    new io.gitfaas.store.NatsTaskStore(
            NatsResources.of(frontend, Settings.fromEnv(Map.of(), Settings.Service.WORKER)))
        .create(owner, io.gitfaas.task.TaskRecord.pending(request));
  }

  @Test
  void theObserverRemovesUserBucketsAndNoOtherStream() throws Exception {
    var settings = Settings.fromEnv(Map.of(), Settings.Service.WORKER);
    String owner = "idle-perm@example.com";
    recordATask(owner);
    try (Connection observer = connect("observer")) {
      // It marks the user's admission set around a removal.
      var admission = new io.gitfaas.store.Admission(NatsResources.of(observer, settings));
      String userKey = io.gitfaas.task.UserKey.of(owner);
      long mark = admission.markSweep(userKey, java.time.Instant.now()).orElseThrow();
      var jsm = observer.jetStreamManagement(QUICK);
      assertThat(jsm.getStreamNames()).contains("KV_tasks-" + userKey);
      assertThat(jsm.deleteStream("KV_tasks-" + userKey)).isTrue();
      admission.unmarkSweep(userKey, mark);
      // Every stream of the system but the users' buckets stays out of its reach.
      var everyStream = frontend.jetStreamManagement().getStreamNames();
      assertThat(everyStream).contains(NatsTopology.TASK_STREAM, "OBJ_injected");
      for (String stream : everyStream) {
        if (!stream.startsWith("KV_" + NatsTopology.USER_BUCKET_PREFIX)) {
          denied(() -> jsm.deleteStream(stream));
        }
      }
      assertThat(frontend.jetStreamManagement().getStreamNames()).containsAll(everyStream);
    }
  }

  /** A refused API request gets no answer: it fails at its timeout, which is kept short here. */
  static final JetStreamOptions QUICK =
      JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(1)).build();

  static void denied(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfAny(
            JetStreamApiException.class, java.io.IOException.class, IllegalStateException.class);
  }

  @Test
  void theFrontendCannotShortenWhatStreamsKeep() throws Exception {
    var jsm = frontend.jetStreamManagement(QUICK);
    for (String stream : List.of(NatsTopology.TASK_STREAM, "OBJ_results")) {
      var config = jsm.getStreamInfo(stream).getConfiguration();
      denied(
          () ->
              jsm.updateStream(
                  StreamConfiguration.builder(config).maxAge(Duration.ofMinutes(3)).build()));
      assertThat(jsm.getStreamInfo(stream).getConfiguration().getMaxAge())
          .isEqualTo(config.getMaxAge());
    }
  }

  @Test
  void noServiceMakesAnotherConsumerOfTheQueueYetEachListsAUsersTasks() throws Exception {
    var settings = Settings.fromEnv(Map.of(), Settings.Service.WORKER);
    String owner = "lister@example.com";
    recordATask(owner);
    for (Connection service : List.of(frontend, worker)) {
      // Listing is an ordered consumer on the user's bucket; the quota's figure, one key of it.
      var store = new io.gitfaas.store.NatsTaskStore(NatsResources.of(service, settings));
      assertThat(store.list(owner)).hasSize(1);
      assertThat(store.resultBytes(owner)).isZero();
      queueIsOutOfReach(service);
    }
  }

  static void queueIsOutOfReach(Connection service) throws Exception {
    var jsm = service.jetStreamManagement(QUICK);
    for (String filter : new String[] {NatsTopology.TASK_SUBJECT, null}) {
      denied(
          () ->
              jsm.addOrUpdateConsumer(
                  NatsTopology.TASK_STREAM,
                  ConsumerConfiguration.builder()
                      .durable("thief")
                      .filterSubject(filter)
                      .ackPolicy(AckPolicy.Explicit)
                      .build()));
      denied(
          () ->
              jsm.addOrUpdateConsumer(
                  NatsTopology.TASK_STREAM,
                  ConsumerConfiguration.builder()
                      .name("sneak")
                      .filterSubject(filter)
                      .ackPolicy(AckPolicy.None)
                      .build()));
    }
    denied(() -> jsm.deleteConsumer(NatsTopology.TASK_STREAM, NatsTopology.WORKER_CONSUMER));
  }

  @Test
  void keysCannotBePurgedNorBucketsWiped() throws Exception {
    var resources = NatsResources.of(frontend, Settings.fromEnv(Map.of(), Settings.Service.WORKER));
    KeyValue bucket = resources.userBucket("purge-test");
    bucket.put("task", "PENDING".getBytes());
    bucket.put("old", "FINISHED".getBytes());
    bucket.delete("old");
    denied(() -> bucket.purge("task"));
    denied(() -> bucket.purgeDeletes());
    assertThat(new String(bucket.get("task").getValue())).isEqualTo("PENDING");
    // and the legitimate moves still work
    bucket.update("task", "EXECUTING".getBytes(), bucket.get("task").getRevision());
    bucket.delete("task");
  }

  @Test
  void noServiceReadsAnotherServicesReplies() throws Exception {
    List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    Map<String, String> env = nats.env("worker");
    Options spy =
        new Options.Builder()
            .server(env.get("NATS_URL"))
            .userInfo(env.get("NATS_USER"), env.get("NATS_PASSWORD"))
            .errorListener(
                new io.nats.client.ErrorListener() {
                  @Override
                  public void errorOccurred(Connection conn, String error) {
                    errors.add(error);
                  }
                })
            .build();
    try (Connection snoop = Nats.connect(spy)) {
      for (String subject : List.of("_INBOX_frontend.>", "_INBOX.>", "_INBOX_observer.>")) {
        snoop.subscribe(subject);
      }
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> errors.stream().filter(e -> e.contains("Permissions Violation")).count() == 3);
    }
    // Each service's own requests are answered in its own inbox.
    assertThat(frontend.createInbox()).startsWith("_INBOX_frontend.");
    assertThat(worker.createInbox()).startsWith("_INBOX_worker.");
  }
}
