package io.gitfaas.worker.fair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.NatsTaskQueue;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two workers' shares over a real NATS: each sees the other's running tasks through its watch of
 * the inflight bucket, and a dead worker's tasks stop counting once their keys have aged out.
 */
class NatsFairShareIntegrationTest {
  static final String ALICE = "alice@example.com";
  static final String BOB = "bob@example.com";

  /** A lease of 1 s: a running task's key lives 3 s after its last refresh. */
  static final Duration LEASE = Duration.ofSeconds(1);

  /** A worker's share, refreshing its keys three times a lease. */
  static NatsFairShare share(Connection connection) throws Exception {
    return new NatsFairShare(connection, LEASE.dividedBy(3));
  }

  /** The streams and buckets, as the frontend declares them. */
  static void declare(Connection connection) throws Exception {
    new NatsResources(connection, Duration.ofMinutes(20), LEASE, 1).ensure();
  }

  /** One task for each owner named, in that order. */
  static void queue(Connection connection, String... owners) {
    var queue = new NatsTaskQueue(connection);
    for (String owner : owners) {
      queue.publish(
          new TaskRequest(
              UUID.randomUUID(),
              owner,
              "https://example.com/r.git",
              null,
              List.of(),
              Instant.now()),
          1);
    }
  }

  @Test
  void aWorkerStartedBeforeTheBucketExistsRunsTasksThenSharesOnceItDoes() throws Exception {
    try (NatsTestServer nats = new NatsTestServer();
        Connection one = NatsConnector.connect(nats.settings(), "one");
        Connection two = NatsConnector.connect(nats.settings(), "two")) {
      // Nothing declared yet (the frontend makes the streams): the worker starts all the same.
      try (NatsFairShare early = share(two)) {
        assertThat(early.shouldYield(ALICE, FairShare.BEHIND_UNKNOWN)).isFalse();
        declare(one);
        queue(one, ALICE, BOB);
        try (NatsFairShare other = share(one)) {
          other.started(ALICE, UUID.randomUUID());
          // Within a retry it watches the bucket, and lets bob's task go before alice's next.
          await()
              .atMost(NatsFairShare.WATCH_RETRY.multipliedBy(3))
              .pollInterval(Duration.ofMillis(200))
              .until(() -> early.shouldYield(ALICE, FairShare.BEHIND_UNKNOWN));
        }
      }
    }
  }

  @Test
  void workersSeeEachOthersTasksAndForgetADeadWorkersOnes() throws Exception {
    try (NatsTestServer nats = new NatsTestServer();
        Connection one = NatsConnector.connect(nats.settings(), "one");
        Connection two = NatsConnector.connect(nats.settings(), "two")) {
      declare(one);
      queue(one, ALICE, ALICE, ALICE, BOB);
      NatsFairShare first = share(one);
      try (NatsFairShare second = share(two)) {
        // Nobody runs anything: equals, neither served yet, so queue order stands.
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> !second.shouldYield(ALICE, FairShare.BEHIND_UNKNOWN));
        assertThat(second.shouldYield(BOB, FairShare.BEHIND_UNKNOWN)).isFalse();

        // The first worker runs one of alice's: the second lets bob's go before her next.
        FairShare.Running running = first.started(ALICE, UUID.randomUUID());
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> second.shouldYield(ALICE, FairShare.BEHIND_UNKNOWN));
        assertThat(second.shouldYield(BOB, FairShare.BEHIND_UNKNOWN)).isFalse();

        // Ended: she runs nothing again, but was served last; bob, never served, goes first.
        running.close();
        await()
            .atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () ->
                    second.shouldYield(ALICE, FairShare.BEHIND_UNKNOWN)
                        && !second.shouldYield(BOB, FairShare.BEHIND_UNKNOWN));

        // Bob is served now and runs one, on the first worker, which then dies: its keys are
        // refreshed no more. While they live, bob runs more than alice, and his next waits.
        first.started(BOB, UUID.randomUUID());
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> second.shouldYield(BOB, FairShare.BEHIND_UNKNOWN));
        first.close();
        one.close();
        // Three leases after the last refresh the bucket drops its keys without a word, and the
        // second worker stops counting them: nobody runs anything, nobody was served lately.
        await()
            .atMost(Duration.ofSeconds(15))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    !second.shouldYield(BOB, FairShare.BEHIND_UNKNOWN)
                        && !second.shouldYield(ALICE, FairShare.BEHIND_UNKNOWN));
      }
    }
  }

  @Test
  void aTaskWithNothingBehindItAndNoOtherUserRunningAsksTheQueueNothing() throws Exception {
    try (NatsTestServer nats = new NatsTestServer();
        Connection worker = NatsConnector.connect(nats.settings(), "worker");
        Connection other = NatsConnector.connect(nats.settings(), "other");
        Connection observer = NatsConnector.connect(nats.settings(), "observer")) {
      declare(worker);
      queue(worker, ALICE);
      // The worker's questions to the queue, seen on the wire, in the order it sent them.
      var questions = new java.util.concurrent.LinkedBlockingQueue<String>();
      var dispatcher = observer.createDispatcher(m -> questions.add(m.getSubject()));
      dispatcher.subscribe("$JS.API.STREAM.INFO.>");
      dispatcher.subscribe("marker");
      observer.flush(Duration.ofSeconds(5));
      try (NatsFairShare share = share(worker);
          NatsFairShare otherWorker = share(other)) {
        // Once its watch of the bucket has caught up, a task with nothing behind it runs unasked.
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> !share.shouldYield(ALICE, 0) && asked(worker, questions) == 0);

        // Something behind it: the queue is asked who waits.
        assertThat(share.shouldYield(ALICE, 1)).isFalse();
        assertThat(asked(worker, questions)).isEqualTo(1);

        // Another user runs a task: the queue is asked again, though nothing is behind it.
        otherWorker.started(BOB, UUID.randomUUID());
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> !share.shouldYield(ALICE, 0) && asked(worker, questions) == 1);
      }
    }
  }

  /** How many stream-info requests the worker sent since the last call (up to a marker). */
  private static int asked(Connection worker, java.util.concurrent.BlockingQueue<String> seen)
      throws Exception {
    worker.publish("marker", null);
    int infos = 0;
    for (String subject = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        subject != null && !subject.equals("marker");
        subject = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS)) {
      infos++;
    }
    return infos;
  }
}
