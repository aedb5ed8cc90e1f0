package io.gitfaas.worker.fair;

import io.gitfaas.concurrent.DaemonThreads;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.task.UserKey;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fair sharing over JetStream. Each user's tasks are published to a subject of their own, so the
 * queue's per-subject counts say how many tasks each user has in it (one stream-info request). The
 * {@code inflight} bucket holds a key {@code run.<user>.<task>} for every running task, put when a
 * worker claims it, refreshed while it runs and deleted when it ends (a dead worker's keys expire
 * with the bucket's age), and a key {@code last.<user>} put at each start, whose time says when the
 * user was last served. Each worker follows the bucket with one watch and keeps its keys in memory,
 * so a decision costs the stream-info request alone, however many users wait. A worker asks only
 * when another user has tasks in the queue, and any error, or a watch that has not caught up yet,
 * lets the task run: sharing never stops work.
 */
public final class NatsFairShare implements FairShare, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NatsFairShare.class);
  private static final byte[] RUNNING = "1".getBytes(StandardCharsets.US_ASCII);
  private static final String PREFIX = NatsTopology.TASK_SUBJECT + ".";
  private static final String RUN = "run.";
  private static final String LAST = "last.";

  /** Where a put of a key of the bucket is published (what the KV client's put publishes to). */
  private static final String KV_SUBJECT = "$KV." + NatsTopology.INFLIGHT_BUCKET + ".";

  private final JetStreamManagement jsm;
  private final JetStream js;
  private final Connection connection;
  // Null until the bucket exists: a worker may start before the frontend made it.
  private volatile KeyValue inflight;
  private final Set<String> held = ConcurrentHashMap.newKeySet();

  /** The bucket's keys as the watch last saw them, with when each was put. */
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();

  /** How long a worker that could not watch the bucket waits before it tries again. */
  static final Duration WATCH_RETRY = Duration.ofSeconds(5);

  private volatile NatsKeyValueWatchSubscription watch;
  private volatile Duration maxAge;
  private volatile boolean caughtUp;
  private long nextWatchAttempt;
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fair-share-refresh"));

  /**
   * @param refreshEvery how often the keys of this worker's running tasks are put again: well
   *     within the bucket's age
   */
  public NatsFairShare(Connection connection, Duration refreshEvery) throws IOException {
    this.jsm = connection.jetStreamManagement();
    this.js = connection.jetStream();
    this.connection = connection;
    following();
    long every = refreshEvery.toMillis();
    refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean shouldYield(String owner, long queuedBehind) {
    String user = UserKey.of(owner);
    try {
      if (queuedBehind == 0 && caughtUp && nobodyElseRuns(user)) {
        // Nothing waits behind it and no other user runs a task: the queue need not be asked. A
        // task another user handed back in the last YIELD_DELAY is not in that count; it comes
        // back and runs next: at most one task's difference.
        return false;
      }
      Map<String, Long> inQueue = tasksInQueue();
      if (inQueue.keySet().stream().allMatch(user::equals)) {
        return false; // nobody else is waiting: nothing to share
      }
      if (!following() || !caughtUp) {
        return false; // no figures to share by yet: the bucket is not watched, or not read yet
      }
      Map<String, Integer> running = new HashMap<>();
      Map<String, Instant> lastStarted = new HashMap<>();
      Instant expired = Instant.now().minus(maxAge);
      for (var entry : seen.entrySet()) {
        String key = entry.getKey();
        if (entry.getValue().isBefore(expired)) {
          seen.remove(key, entry.getValue()); // the bucket's age removed it without a word
        } else if (key.startsWith(RUN)) {
          int dot = key.indexOf('.', RUN.length());
          if (dot > 0) {
            running.merge(key.substring(RUN.length(), dot), 1, Integer::sum);
          }
        } else if (key.startsWith(LAST)) {
          lastStarted.put(key.substring(LAST.length()), entry.getValue());
        }
      }
      return FairSharePolicy.shouldYield(user, inQueue, running, lastStarted);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("could not read the users' shares, running the task: {}", e.toString());
      return false;
    }
  }

  /** Whether the bucket, as the watch saw it, holds no running task of a user but this one. */
  private boolean nobodyElseRuns(String user) {
    String mine = RUN + user + ".";
    Instant expired = Instant.now().minus(maxAge);
    return seen.entrySet().stream()
        .noneMatch(
            e ->
                e.getKey().startsWith(RUN)
                    && !e.getKey().startsWith(mine)
                    && !e.getValue().isBefore(expired));
  }

  /**
   * Starts watching the bucket unless it is watched already; false while that cannot be done (the
   * bucket is not made yet, NATS is away), trying again at most every {@link #WATCH_RETRY}.
   */
  private boolean following() {
    return watch != null || startFollowing(); // every put asks: no lock once it follows
  }

  private synchronized boolean startFollowing() {
    if (watch != null) {
      return true;
    }
    long now = System.nanoTime();
    if (now - nextWatchAttempt < 0) {
      return false;
    }
    nextWatchAttempt = now + WATCH_RETRY.toNanos();
    try {
      KeyValue bucket = connection.keyValue(NatsTopology.INFLIGHT_BUCKET);
      maxAge = bucket.getStatus().getTtl();
      inflight = bucket;
      watch = bucket.watchAll(new Follower()); // last: a set watch says the fields above are set
      return true;
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn(
          "cannot watch the {} bucket yet; tasks run in queue order meanwhile: {}",
          NatsTopology.INFLIGHT_BUCKET,
          e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Keeps {@link #seen} as the bucket is: every put and delete, pushed as they happen. */
  private final class Follower implements KeyValueWatcher {
    @Override
    public void watch(KeyValueEntry entry) {
      if (entry.getOperation() == KeyValueOperation.PUT) {
        seen.put(entry.getKey(), entry.getCreated().toInstant());
      } else {
        seen.remove(entry.getKey());
      }
    }

    @Override
    public void endOfData() {
      caughtUp = true;
    }
  }

  @Override
  public Running started(String owner, UUID taskId) {
    String user = UserKey.of(owner);
    String key = RUN + user + "." + taskId;
    held.add(key);
    // Not waited for: the task's start does not wait on the figures other workers share by; the
    // delete at its end follows on the same connection, so it lands after them.
    putSoon(key);
    putSoon(LAST + user);
    return () -> {
      held.remove(key);
      try {
        if (following()) {
          inflight.delete(key);
        }
      } catch (IOException | JetStreamApiException e) {
        LOG.warn("could not count task {} as ended (its key expires): {}", taskId, e.toString());
      }
    };
  }

  /** Each user's tasks in the queue, from the stream's per-subject counts. */
  private Map<String, Long> tasksInQueue() throws IOException, JetStreamApiException {
    var info =
        jsm.getStreamInfo(NatsTopology.TASK_STREAM, StreamInfoOptions.filterSubjects(PREFIX + "*"));
    Map<String, Long> counts = new HashMap<>();
    var subjects = info.getStreamState().getSubjects();
    if (subjects != null) {
      for (var s : subjects) {
        counts.put(s.getName().substring(PREFIX.length()), s.getCount());
      }
    }
    return counts;
  }

  private void refresh() {
    held.forEach(this::put);
  }

  /** Puts the key without waiting for the answer, once the bucket exists. */
  private void putSoon(String key) {
    if (!following()) {
      return;
    }
    try {
      js.publishAsync(KV_SUBJECT + key, RUNNING)
          .whenComplete(
              (ack, e) -> {
                if (e != null) {
                  LOG.warn("could not count a running task ({}): {}", key, e.toString());
                }
              });
    } catch (RuntimeException e) {
      LOG.warn("could not count a running task ({}): {}", key, e.toString());
    }
  }

  /** Puts the key, once the bucket exists (the refresh puts the running tasks' keys again). */
  private void put(String key) {
    try {
      if (following()) {
        inflight.put(key, RUNNING);
      }
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("could not count a running task ({}): {}", key, e.toString());
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    try {
      if (watch != null) {
        watch.unsubscribe();
      }
    } catch (RuntimeException e) {
      LOG.debug("watch of the inflight bucket already ended: {}", e.toString());
    }
  }
}
