package io.gitfaas.nats;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatcher;
import java.io.IOException;

/**
 * Watches of KV buckets, all on one dispatcher: the latest value of every key, then every change,
 * from an ordered consumer. The client's own watch starts a dispatcher (a thread) per watch; a
 * frontend with a thousand open task lists must not hold a thousand threads. Watchers are called on
 * the shared thread, so they must not block.
 */
public final class BucketWatches {
  private final Connection connection;
  private final SharedDispatcher dispatcher;

  public BucketWatches(Connection connection) {
    this.connection = connection;
    this.dispatcher = new SharedDispatcher(connection);
  }

  /**
   * Reports every key of {@code bucket} as it is now, then {@link KeyValueWatcher#endOfData()},
   * then every change, one call at a time, until the returned handle is closed.
   */
  public AutoCloseable watchAll(String bucket, KeyValueWatcher watcher)
      throws IOException, JetStreamApiException {
    String subject = "$KV." + bucket + ".>";
    Watch watch = new Watch(watcher);
    Dispatcher d = dispatcher.get();
    JetStreamSubscription subscription =
        connection
            .jetStream()
            .subscribe(
                subject,
                d,
                msg -> watch.entry(new KeyValueEntry(msg)),
                false,
                PushSubscribeOptions.builder().stream("KV_" + bucket)
                    .ordered(true)
                    .configuration(
                        ConsumerConfiguration.builder()
                            .ackPolicy(AckPolicy.None)
                            .deliverPolicy(DeliverPolicy.LastPerSubject)
                            .filterSubject(subject)
                            .build())
                    .build());
    try {
      if (subscription.getConsumerInfo().getCalculatedPending() == 0) {
        watch.caughtUp(); // an empty bucket: nothing will say so
      }
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      d.unsubscribe(subscription);
      throw e;
    }
    return () -> d.unsubscribe(subscription);
  }

  /** One watcher's calls, in order and one at a time, with the end of the snapshot told once. */
  private static final class Watch {
    private final KeyValueWatcher watcher;
    private boolean caughtUp;

    Watch(KeyValueWatcher watcher) {
      this.watcher = watcher;
    }

    synchronized void entry(KeyValueEntry entry) {
      watcher.watch(entry);
      if (entry.getDelta() == 0) {
        caughtUp();
      }
    }

    synchronized void caughtUp() {
      if (!caughtUp) {
        caughtUp = true;
        watcher.endOfData();
      }
    }
  }
}
