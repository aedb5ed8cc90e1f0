package io.gitfaas.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.nats.NatsTopology;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.testkit.JetStreamFixture;
import java.time.Instant;
import java.util.Collections;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The JetStream queue with a one-MiB cap: full, it refuses; nothing queued is dropped. */
class NatsTaskQueueTest {
  @Test
  void aFullQueueRefusesTheNextTaskAndKeepsTheOthers() throws Exception {
    try (var nats = new JetStreamFixture("queue-test", JetStreamFixture.oneMebibyte())) {
      var connection = nats.connection();
      var queue = new NatsTaskQueue(connection);
      // Tasks with 64 parameters of 4 KiB: about 260 KiB each.
      var parameters = Collections.nCopies(64, "p".repeat(4096));
      int queued = 0;
      StoreFullException refused = null;
      while (refused == null && queued < 100) {
        try {
          queue.publish(
              new TaskRequest(
                  UUID.randomUUID(),
                  "q@example.com",
                  "https://x/y",
                  null,
                  parameters,
                  Instant.now()),
              1);
          queued++;
        } catch (StoreFullException e) {
          refused = e;
        }
      }
      assertThat(refused).isNotNull();
      assertThat(refused.getMessage()).contains("QUEUE_MAX_BYTES");
      assertThat(queued).isBetween(1, 4);
      var state = connection.jetStreamManagement().getStreamInfo(NatsTopology.TASK_STREAM);
      assertThat(state.getStreamState().getMsgCount()).isEqualTo(queued);
      assertThatThrownBy(() -> queue.publish(request(parameters), 1))
          .isInstanceOf(StoreFullException.class);
    }
  }

  static TaskRequest request(java.util.List<String> parameters) {
    return new TaskRequest(
        UUID.randomUUID(), "q@example.com", "https://x/y", null, parameters, Instant.now());
  }
}
