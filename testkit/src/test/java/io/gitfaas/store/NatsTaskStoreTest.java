package io.gitfaas.store;

import io.gitfaas.testkit.JetStreamFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The JetStream task store keeps the contract, against a real nats-server. */
class NatsTaskStoreTest extends TaskStoreContract {
  static JetStreamFixture nats;
  static TaskStore store;

  @BeforeAll
  static void start() throws Exception {
    nats = new JetStreamFixture("task-store-test");
    store = new NatsTaskStore(nats.resources());
  }

  @AfterAll
  static void stop() throws Exception {
    nats.close();
  }

  @Override
  TaskStore store() {
    return store;
  }

  /**
   * The quota is checked at every createTask and every finished task: it reads one key. (It was a
   * pass over the records through a consumer each time, and a thousand of those within seconds met
   * the stream's consumer limit.)
   */
  @org.junit.jupiter.api.Test
  void theQuotaFigureIsOneReadAndMakesNoConsumer() throws Exception {
    String owner = user();
    finishedWith(owner, 100);
    for (int i = 0; i < 1500; i++) {
      org.assertj.core.api.Assertions.assertThat(store.resultBytes(owner)).isEqualTo(100);
    }
    var stream =
        nats.connection()
            .jetStreamManagement()
            .getStreamInfo(
                "KV_"
                    + io.gitfaas.nats.NatsTopology.USER_BUCKET_PREFIX
                    + io.gitfaas.task.UserKey.of(owner));
    org.assertj.core.api.Assertions.assertThat(stream.getStreamState().getConsumerCount()).isZero();
  }

  @org.junit.jupiter.api.Test
  void resultsOfRecordsThatEndedOverTheTtlAgoAreNotCounted() throws Exception {
    String owner = user();
    var v = store.create(owner, pending(owner, java.time.Instant.now()));
    v = store.update(owner, v, v.value().executing(java.time.Instant.now(), 1));
    // Ended (as its record says) longer ago than the store keeps results: none held.
    java.time.Instant longAgo = java.time.Instant.now().minus(java.time.Duration.ofMinutes(22));
    store.update(
        owner,
        v,
        v.value()
            .finished(io.gitfaas.task.TaskStatus.FINISHED, longAgo, 0, null, null, 4096L, null));
    org.assertj.core.api.Assertions.assertThat(store.resultBytes(owner)).isZero();
    finishedWith(owner, 10);
    org.assertj.core.api.Assertions.assertThat(store.resultBytes(owner)).isEqualTo(10);
  }
}
