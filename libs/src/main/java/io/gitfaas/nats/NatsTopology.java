package io.gitfaas.nats;

import io.gitfaas.config.Settings;
import io.gitfaas.config.Settings.StorageCaps;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every stream, consumer, KV bucket and object store of the system, declared in one place. Every
 * service calls {@link #ensure()} at start-up. One rule for every stream: created when missing,
 * never changed (a service's NATS user may not update streams, so nobody with its credentials can
 * shorten how long tasks and results are kept); a stream that differs from this declaration is
 * logged with the command that brings it in line. Consumers are created or updated.
 */
public final class NatsTopology {
  private static final Logger LOG = LoggerFactory.getLogger(NatsTopology.class);

  public static final String TASK_STREAM = "TASKS";

  /**
   * Tasks are published to {@code tasks.run.<user key>}, a subject per user, so that the queue's
   * per-subject counts tell workers how many tasks each user has waiting (fair sharing); the bare
   * subject is kept in the stream for messages published before.
   */
  public static final String TASK_SUBJECT = "tasks.run";

  /** Running tasks, one key {@code <user key>.<task id>} each, for fair sharing. */
  public static final String INFLIGHT_BUCKET = "inflight";

  /** A user's task subject. */
  public static String taskSubject(String userKey) {
    return TASK_SUBJECT + "." + userKey;
  }

  public static final String WORKER_CONSUMER = "workers";
  public static final String RESULTS_STORE = "results";
  public static final String ADMISSION_BUCKET = "admission";
  public static final String USER_BUCKET_PREFIX = "tasks-";
  public static final String OBSERVER_BUCKET = "observer";
  public static final String INJECTION_STREAM = "INJECTIONS";
  public static final String INJECTION_SUBJECT = "injections.requests";
  public static final String INJECTOR_CONSUMER = "injector";
  public static final String CALLBACK_STREAM = "CALLBACKS";
  public static final String CALLBACK_SUBJECT = "callbacks.send";
  public static final String CALLBACK_CONSUMER = "senders";

  /** Longer than one try takes (connect and answer within 10 s each). */
  static final Duration CALLBACK_ACK_WAIT = Duration.ofSeconds(30);

  /** Three tries: the sender settles each delivery and gives up after the last. */
  public static final int CALLBACK_MAX_DELIVER = 3;

  public static final String UPLOADS_STORE = "uploads";
  public static final String INJECTED_STORE = "injected";

  /** How long a staged upload may wait for the injector. */
  public static final Duration UPLOAD_TTL = Duration.ofHours(1);

  /** How long the observer's scaling decisions are kept. */
  public static final Duration OBSERVER_TTL = Duration.ofDays(1);

  /** How long createTask's retried publishes are recognised as one task. */
  public static final Duration TASK_DUPLICATE_WINDOW = Duration.ofMinutes(2);

  /** How long the injector may hold a request before it is handed out again. */
  public static final Duration INJECTOR_ACK_WAIT = Duration.ofMinutes(2);

  public static final int INJECTOR_MAX_DELIVER = 10;

  /** Tasks a worker consumer may hold unacknowledged across all workers. */
  public static final int WORKER_MAX_ACK_PENDING = 10_000;

  /** The admission and observer buckets: a few KiB per user, a few MiB of decisions a day. */
  public static final long SMALL_BUCKET_BYTES = 64L << 20;

  private final Connection connection;
  private final Duration taskTtl;
  private final Duration lease;
  private final int replicas;
  private final StorageCaps caps;

  /**
   * @param lease how long a worker may hold a task without extending it; after that JetStream hands
   *     the task to another worker
   */
  public NatsTopology(
      Connection connection, Duration taskTtl, Duration lease, int replicas, StorageCaps caps) {
    this.connection = connection;
    this.taskTtl = taskTtl;
    this.lease = lease;
    this.replicas = replicas;
    this.caps = caps;
  }

  /** With the default storage caps. */
  /** How long a task's record, message and result are kept. */
  public Duration taskTtl() {
    return taskTtl;
  }

  public NatsTopology(Connection connection, Duration taskTtl, Duration lease, int replicas) {
    this(connection, taskTtl, lease, replicas, StorageCaps.DEFAULTS);
  }

  public static NatsTopology of(Connection connection, Settings settings) {
    return new NatsTopology(
        connection,
        settings.limits().ttl(),
        settings.limits().lease(),
        settings.nats().replicas(),
        settings.storage());
  }

  public void ensure() throws IOException, JetStreamApiException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    declare(
        jsm,
        StreamConfiguration.builder()
            .name(TASK_STREAM)
            .subjects(TASK_SUBJECT, TASK_SUBJECT + ".*")
            .retentionPolicy(RetentionPolicy.WorkQueue)
            .storageType(StorageType.File)
            .replicas(replicas)
            // No age limit: a task leaves the queue when a worker has taken it, never unseen. A
            // worker that finds it waited past TASK_TTL ends it with a reason that says so.
            // createTask publishes with the task id as message id: a retried publish is one task.
            .duplicateWindow(TASK_DUPLICATE_WINDOW)
            .maxBytes(caps.queue())
            .discardPolicy(DiscardPolicy.New)
            .build());
    jsm.addOrUpdateConsumer(
        TASK_STREAM,
        ConsumerConfiguration.builder()
            .durable(WORKER_CONSUMER)
            .ackPolicy(AckPolicy.Explicit)
            .deliverPolicy(DeliverPolicy.All)
            .ackWait(lease)
            // Unlimited: the worker counts deliveries itself and records the failure, so a task
            // never silently stays EXECUTING after its last attempt.
            .maxDeliver(-1)
            .maxAckPending(WORKER_MAX_ACK_PENDING)
            .build());
    declare(
        jsm,
        StreamConfiguration.builder()
            .name(INJECTION_STREAM)
            .subjects(INJECTION_SUBJECT)
            .retentionPolicy(RetentionPolicy.WorkQueue)
            .storageType(StorageType.File)
            .replicas(replicas)
            .maxAge(UPLOAD_TTL)
            .maxBytes(caps.queue())
            .discardPolicy(DiscardPolicy.New)
            .build());
    jsm.addOrUpdateConsumer(
        INJECTION_STREAM,
        ConsumerConfiguration.builder()
            .durable(INJECTOR_CONSUMER)
            .ackPolicy(AckPolicy.Explicit)
            .ackWait(INJECTOR_ACK_WAIT)
            .maxDeliver(INJECTOR_MAX_DELIVER)
            .build());
    declare(
        jsm,
        StreamConfiguration.builder()
            .name(CALLBACK_STREAM)
            .subjects(CALLBACK_SUBJECT)
            .retentionPolicy(RetentionPolicy.WorkQueue)
            .storageType(StorageType.File)
            .replicas(replicas)
            .maxAge(taskTtl) // a callback about a task that has expired is of no use
            .duplicateWindow(
                taskTtl.compareTo(TASK_DUPLICATE_WINDOW) < 0 ? taskTtl : TASK_DUPLICATE_WINDOW)
            .maxBytes(caps.queue())
            .discardPolicy(DiscardPolicy.New)
            .build());
    jsm.addOrUpdateConsumer(
        CALLBACK_STREAM,
        ConsumerConfiguration.builder()
            .durable(CALLBACK_CONSUMER)
            .ackPolicy(AckPolicy.Explicit)
            .ackWait(CALLBACK_ACK_WAIT)
            .maxDeliver(CALLBACK_MAX_DELIVER)
            .build());
    declare(jsm, objectStore(UPLOADS_STORE, UPLOAD_TTL, caps.files()));
    declare(jsm, objectStore(INJECTED_STORE, null, caps.files()));
    declare(jsm, objectStore(RESULTS_STORE, taskTtl, caps.results()));
    declare(jsm, bucket(ADMISSION_BUCKET, taskTtl, SMALL_BUCKET_BYTES));
    // A running task's key is put again every lease / 3: one a dead worker held expires.
    declare(jsm, bucket(INFLIGHT_BUCKET, lease.multipliedBy(3), SMALL_BUCKET_BYTES));
    ensureObserverBucket();
  }

  /** A user's task bucket: created on the user's first request. */
  public void ensureUserBucket(String userKey) throws IOException, JetStreamApiException {
    declare(
        connection.jetStreamManagement(),
        bucket(USER_BUCKET_PREFIX + userKey, taskTtl, caps.userBucket()));
  }

  /** The observer's bucket; the observer declares it on its own, since it may start first. */
  public void ensureObserverBucket() throws IOException, JetStreamApiException {
    declare(
        connection.jetStreamManagement(),
        bucket(OBSERVER_BUCKET, OBSERVER_TTL, SMALL_BUCKET_BYTES));
  }

  /**
   * A KV bucket's stream as the KV client makes it, less purge: no rollup message can wipe a key's
   * history and no purge request a bucket. Nothing of ours purges a bucket; keys are deleted.
   */
  private StreamConfiguration bucket(String name, Duration ttl, long maxBytes) {
    KeyValueConfiguration config =
        KeyValueConfiguration.builder()
            .name(name)
            .storageType(StorageType.File)
            .replicas(replicas)
            .maxHistoryPerKey(1)
            .maxBucketSize(maxBytes)
            .ttl(ttl)
            .build();
    return StreamConfiguration.builder(config.getBackingConfig())
        .allowRollup(false)
        .denyPurge(true)
        .discardPolicy(DiscardPolicy.New)
        .build();
  }

  /**
   * An object store's stream as the object store client makes it, refusing writes when full (the
   * client's default would drop the oldest chunks, which are other objects' data).
   */
  private StreamConfiguration objectStore(String name, Duration ttl, long maxBytes) {
    var builder =
        ObjectStoreConfiguration.builder(name)
            .storageType(StorageType.File)
            .replicas(replicas)
            .maxBucketSize(maxBytes);
    if (ttl != null) {
      builder.ttl(ttl);
    }
    return StreamConfiguration.builder(builder.build().getBackingConfig())
        .discardPolicy(DiscardPolicy.New)
        .build();
  }

  private static void declare(JetStreamManagement jsm, StreamConfiguration wanted)
      throws IOException, JetStreamApiException {
    StreamConfiguration found;
    try {
      found = jsm.getStreamInfo(wanted.getName()).getConfiguration();
    } catch (JetStreamApiException e) {
      if (e.getErrorCode() != 404) {
        throw e;
      }
      try {
        jsm.addStream(wanted);
      } catch (JetStreamApiException raced) {
        // Another service created it between the look and the add: it is there, as declared.
        if (raced.getApiErrorCode() != STREAM_NAME_IN_USE) {
          throw raced;
        }
      }
      return;
    }
    List<String> differences = differences(found, wanted);
    if (!differences.isEmpty()) {
      LOG.warn(
          "stream {} differs from this version's declaration ({}); bring it in line with 'nats"
              + " stream edit {}'",
          wanted.getName(),
          String.join(", ", differences),
          wanted.getName());
    }
  }

  /** JetStream's error code for a stream created with another configuration under that name. */
  private static final int STREAM_NAME_IN_USE = 10058;

  /**
   * What a running stream does otherwise than declared, in the words of {@code nats stream edit}.
   */
  static List<String> differences(StreamConfiguration found, StreamConfiguration wanted) {
    List<String> out = new ArrayList<>();
    if (!found.getMaxAge().equals(wanted.getMaxAge())) {
      out.add(
          "--max-age="
              + (wanted.getMaxAge().isZero() ? "0" : wanted.getMaxAge().toSeconds() + "s")
              + " (is "
              + found.getMaxAge()
              + ")");
    }
    if (found.getMaxBytes() != wanted.getMaxBytes()) {
      out.add("--max-bytes=" + wanted.getMaxBytes() + " (is " + found.getMaxBytes() + ")");
    }
    if (found.getDiscardPolicy() != wanted.getDiscardPolicy()) {
      out.add(
          "--discard="
              + wanted.getDiscardPolicy().toString().toLowerCase(java.util.Locale.ROOT)
              + " (differs)");
    }
    if (found.getReplicas() != wanted.getReplicas()) {
      out.add("--replicas=" + wanted.getReplicas() + " (is " + found.getReplicas() + ")");
    }
    if (found.getDenyPurge() != wanted.getDenyPurge()) {
      out.add((wanted.getDenyPurge() ? "--deny-purge" : "--allow-purge") + " (differs)");
    }
    if (found.getAllowRollup() != wanted.getAllowRollup()) {
      out.add((wanted.getAllowRollup() ? "--allow-rollup" : "--no-allow-rollup") + " (differs)");
    }
    if (!found.getSubjects().containsAll(wanted.getSubjects())) {
      // E.g. a queue from before tasks had a subject per user: publishing to one fails until then.
      out.add(
          "--subjects="
              + String.join(",", wanted.getSubjects())
              + " (is "
              + String.join(",", found.getSubjects())
              + ")");
    }
    return out;
  }
}
