package io.gitfaas.observer;

import io.gitfaas.nats.NatsTopology;
import io.gitfaas.store.Admission;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the task buckets of users who have had no task and no write for IDLE_BUCKET_AFTER: each
 * bucket is a JetStream stream, and every identity that ever signed in would otherwise keep one. A
 * bucket goes only while its user's admission set is marked (no task can be admitted, so none can
 * be recorded) and only if it is still empty under that mark; the next request of the user makes it
 * anew. A bucket someone watches (an open console) stays.
 */
final class IdleBucketSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(IdleBucketSweeper.class);
  private static final String STREAM_PREFIX = "KV_" + NatsTopology.USER_BUCKET_PREFIX;

  private final Connection connection;
  private final Admission admission;
  private final Duration idleAfter;
  private final Clock clock;

  IdleBucketSweeper(Connection connection, Admission admission, Duration idleAfter, Clock clock) {
    this.connection = connection;
    this.admission = admission;
    this.idleAfter = idleAfter;
    this.clock = clock;
  }

  /** How often a sweep is worth it: a fraction of the idle time, at most once a minute. */
  static Duration period(Duration idleAfter) {
    Duration half = idleAfter.dividedBy(2);
    return half.compareTo(Duration.ofMinutes(1)) < 0 ? half : Duration.ofMinutes(1);
  }

  /** One sweep over every user's bucket; returns how many were removed. */
  int sweep() throws IOException, JetStreamApiException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    int removed = 0;
    for (String stream : jsm.getStreamNames()) {
      if (!stream.startsWith(STREAM_PREFIX) || !idle(jsm.getStreamInfo(stream))) {
        continue;
      }
      String userKey = stream.substring(STREAM_PREFIX.length());
      Optional<Long> mark = admission.markSweep(userKey, clock.instant());
      if (mark.isEmpty()) {
        continue; // tasks are admitted: not idle after all
      }
      try {
        // Looked at again under the mark: a record written just before it counts.
        if (idle(jsm.getStreamInfo(stream))) {
          jsm.deleteStream(stream);
          removed++;
          LOG.info("removed the task bucket of an idle user ({})", userKey);
        }
      } finally {
        admission.unmarkSweep(userKey, mark.get());
      }
    }
    return removed;
  }

  /** A sweep that logs what went wrong instead of throwing: the next one starts afresh. */
  void sweepQuietly() {
    try {
      sweep();
    } catch (Exception e) {
      LOG.warn("sweeping idle task buckets failed, trying again later: {}", e.toString());
    }
  }

  /** No record, nobody watching, and neither a write nor its creation within the idle time. */
  boolean idle(StreamInfo info) {
    StreamState state = info.getStreamState();
    Instant before = clock.instant().minus(idleAfter);
    return state.getMsgCount() == 0
        && state.getConsumerCount() == 0
        && olderThan(info.getCreateTime(), before)
        && (state.getLastTime() == null || olderThan(state.getLastTime(), before));
  }

  private static boolean olderThan(ZonedDateTime time, Instant before) {
    return time != null && time.toInstant().isBefore(before);
  }
}
