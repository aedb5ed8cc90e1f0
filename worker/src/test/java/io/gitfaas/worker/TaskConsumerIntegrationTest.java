package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.config.Settings;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.NatsTaskQueue;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The pull loop against a real nats-server: what survives a bad message and what must not. */
class TaskConsumerIntegrationTest {
  @Test
  void anErrorInTheLoopEndsTheWorkerInsteadOfLeavingAZombie() throws Exception {
    try (NatsTestServer nats = new NatsTestServer()) {
      Settings settings = Settings.fromEnv(Map.of("NATS_URL", nats.url()), Settings.Service.WORKER);
      try (Connection connection = NatsConnector.connect(settings.nats(), "test")) {
        NatsResources.of(connection, settings).ensure();
        var fatal = new ConcurrentLinkedQueue<Error>();
        var calls = new AtomicInteger();
        var revisions = new ConcurrentLinkedQueue<Long>();
        TaskConsumer consumer =
            new TaskConsumer(
                connection,
                (task, delivery) -> {
                  revisions.add(delivery.recordRevision());
                  if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("one bad message");
                  }
                  throw new OutOfMemoryError("Java heap space");
                },
                1,
                Duration.ofSeconds(30),
                fatal::add);
        consumer.start();
        NatsTaskQueue queue = new NatsTaskQueue(connection);
        for (int i = 0; i < 2; i++) {
          queue.publish(
              new TaskRequest(
                  UUID.randomUUID(),
                  "a@example.com",
                  "https://x/y.git",
                  null,
                  List.of(),
                  Instant.now()),
              7 + i);
        }

        // The first failure is survived; the Error is passed on, and the loop takes no more.
        await().atMost(Duration.ofSeconds(20)).until(() -> !fatal.isEmpty());
        assertThat(calls.get()).isEqualTo(2);
        assertThat(fatal.peek()).isInstanceOf(OutOfMemoryError.class);
        // Each message carried the revision of the record it was enqueued with.
        assertThat(revisions).containsExactly(7L, 8L);
        consumer.stop(Duration.ofSeconds(1));
      }
    }
  }
}
