package io.gitfaas.worker.fair;

import io.gitfaas.nats.NatsTopology;
import io.gitfaas.task.UserKey;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StreamInfoOptions;
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
 * user was last served. A worker reads them only when another user has tasks in the queue, and any
 * error lets the task run: sharing never stops work.
 */
public final class NatsFairShare implements FairShare, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NatsFairShare.class);
  private static final byte[] RUNNING = "1".getBytes(StandardCharsets.US_ASCII);
  private static final String PREFIX = NatsTopology.TASK_SUBJECT + ".";
  private static final String RUN = "run.";
  private static final String LAST = "last.";

  private final JetStreamManagement jsm;
  private final KeyValue inflight;
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "fair-share-refresh");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param refreshEvery how often the keys of this worker's running tasks are put again: well
   *     within the bucket's age
   */
  public NatsFairShare(Connection connection, Duration refreshEvery) throws IOException {
    this.jsm = connection.jetStreamManagement();
    this.inflight = connection.keyValue(NatsTopology.INFLIGHT_BUCKET);
    long every = refreshEvery.toMillis();
    refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean shouldYield(String owner) {
    String user = UserKey.of(owner);
    try {
      Map<String, Long> inQueue = tasksInQueue();
      if (inQueue.keySet().stream().allMatch(user::equals)) {
        return false; // nobody else is waiting: nothing to share
      }
      Map<String, Integer> running = running();
      Map<String, Instant> lastStarted = new HashMap<>();
      for (String u : inQueue.keySet()) {
        KeyValueEntry last = inflight.get(LAST + u);
        if (last != null && last.getValue() != null) {
          lastStarted.put(u, last.getCreated().toInstant());
        }
      }
      return FairSharePolicy.shouldYield(user, inQueue, running, lastStarted);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("could not read the users' shares, running the task: {}", e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public Running started(String owner, UUID taskId) {
    String user = UserKey.of(owner);
    String key = RUN + user + "." + taskId;
    held.add(key);
    put(key);
    put(LAST + user);
    return () -> {
      held.remove(key);
      try {
        inflight.delete(key);
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

  /** Each user's running tasks, from the keys of the inflight bucket. */
  private Map<String, Integer> running()
      throws IOException, JetStreamApiException, InterruptedException {
    Map<String, Integer> running = new HashMap<>();
    for (String key : inflight.keys(RUN + ">")) {
      int dot = key.indexOf('.', RUN.length());
      if (dot > 0) {
        running.merge(key.substring(RUN.length(), dot), 1, Integer::sum);
      }
    }
    return running;
  }

  private void refresh() {
    held.forEach(this::put);
  }

  private void put(String key) {
    try {
      inflight.put(key, RUNNING);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("could not count a running task ({}): {}", key, e.toString());
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
