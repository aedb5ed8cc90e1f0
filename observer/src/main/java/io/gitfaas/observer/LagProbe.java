package io.gitfaas.observer;

import io.gitfaas.nats.NatsTopology;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;

/** Reads the workers' consumer from JetStream: the figures, never counters of our own. */
public final class LagProbe {
  private final Connection connection;
  private final Clock clock;

  public LagProbe(Connection connection, Clock clock) {
    this.connection = connection;
    this.clock = clock;
  }

  public QueueSample sample() throws IOException, JetStreamApiException {
    var jsm = connection.jetStreamManagement();
    ConsumerInfo consumer =
        jsm.getConsumerInfo(NatsTopology.TASK_STREAM, NatsTopology.WORKER_CONSUMER);
    StreamInfo stream = jsm.getStreamInfo(NatsTopology.TASK_STREAM);
    Instant now = clock.instant();
    long oldest = 0;
    if (stream.getStreamState().getMsgCount() > 0) {
      ZonedDateTime first = stream.getStreamState().getFirstTime();
      oldest =
          first == null ? 0 : Math.max(0, Duration.between(first.toInstant(), now).toSeconds());
    }
    return new QueueSample(
        now,
        consumer.getNumPending(),
        consumer.getNumAckPending(),
        consumer.getRedelivered(),
        oldest);
  }
}
