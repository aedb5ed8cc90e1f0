package io.gitfaas.nats;

import io.gitfaas.config.Settings;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.Message;
import io.nats.client.ObjectStore;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every stream, consumer, KV bucket and object store of the system, declared in one place and
 * created idempotently: every service calls {@link #ensure()} at start-up.
 */
public final class NatsResources {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(NatsResources.class);

  public static final String TASK_STREAM = "TASKS";
  public static final String TASK_SUBJECT = "tasks.run";
  public static final String WORKER_CONSUMER = "workers";
  public static final String RESULTS_STORE = "results";
  public static final String ADMISSION_BUCKET = "admission";
  public static final String USER_BUCKET_PREFIX = "tasks-";
  public static final String OBSERVER_BUCKET = "observer";
  public static final String INJECTION_STREAM = "INJECTIONS";
  public static final String INJECTION_SUBJECT = "injections.requests";
  public static final String INJECTOR_CONSUMER = "injector";
  public static final String UPLOADS_STORE = "uploads";
  public static final String INJECTED_STORE = "injected";

  /** How long a staged upload may wait for the injector. */
  public static final Duration UPLOAD_TTL = Duration.ofHours(1);

  public static final Duration OBSERVER_TTL = Duration.ofDays(1);

  private final Connection connection;
  private final Duration taskTtl;
  private final Duration lease;
  private final int replicas;
  // Opening a bucket asks the server for its stream's configuration: once per bucket is enough.
  private final ConcurrentHashMap<String, KeyValue> openBuckets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ObjectStore> openStores = new ConcurrentHashMap<>();

  /**
   * @param lease how long a worker may hold a task without extending it; after that JetStream hands
   *     the task to another worker
   */
  public NatsResources(Connection connection, Duration taskTtl, Duration lease, int replicas) {
    this.connection = connection;
    this.taskTtl = taskTtl;
    this.lease = lease;
    this.replicas = replicas;
  }

  public static NatsResources of(Connection connection, Settings settings) {
    return new NatsResources(
        connection, settings.limits().ttl(), settings.limits().lease(), settings.nats().replicas());
  }

  public void ensure() throws IOException, JetStreamApiException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    StreamConfiguration stream =
        StreamConfiguration.builder()
            .name(TASK_STREAM)
            .subjects(TASK_SUBJECT)
            .retentionPolicy(RetentionPolicy.WorkQueue)
            .storageType(StorageType.File)
            .replicas(replicas)
            // No age limit: a task leaves the queue when a worker has taken it, never unseen. A
            // worker that finds it waited past TASK_TTL ends it with a reason that says so.
            // createTask publishes with the task id as message id: a retried publish is one task.
            .duplicateWindow(Duration.ofMinutes(2))
            .build();
    // Created, never changed: the frontend's NATS user may not update streams, so that nobody
    // with its credentials can shorten how long tasks and results are kept.
    try {
      StreamConfiguration found = jsm.getStreamInfo(TASK_STREAM).getConfiguration();
      if (!found.getMaxAge().equals(stream.getMaxAge())) {
        LOG.warn(
            "stream {} keeps messages for {}, this version expects {}; change it with"
                + " 'nats stream edit {} --max-age={}'",
            TASK_STREAM,
            found.getMaxAge(),
            stream.getMaxAge(),
            TASK_STREAM,
            stream.getMaxAge().isZero() ? "0" : stream.getMaxAge().toSeconds() + "s");
      }
    } catch (JetStreamApiException e) {
      if (e.getErrorCode() != 404) {
        throw e;
      }
      jsm.addStream(stream);
    }
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
            .maxAckPending(10_000)
            .build());
    ensureInjections(jsm);
    ensureBucket(ADMISSION_BUCKET, taskTtl);
    ensureObserverBucket();
    connection
        .objectStoreManagement()
        .create(
            ObjectStoreConfiguration.builder(RESULTS_STORE)
                .storageType(StorageType.File)
                .replicas(replicas)
                .ttl(taskTtl)
                .build());
  }

  /** The user's task bucket, created on first use. */
  public KeyValue userBucket(String userKey) throws IOException, JetStreamApiException {
    String bucket = USER_BUCKET_PREFIX + userKey;
    KeyValue kv = openBuckets.get(bucket);
    if (kv != null) {
      return kv;
    }
    // The first requests of a new user may come all at once: the bucket is created once, and
    // none of them uses it before it exists.
    synchronized (this) {
      kv = openBuckets.get(bucket);
      if (kv == null) {
        ensureBucket(bucket, taskTtl);
        kv = connection.keyValue(bucket);
        openBuckets.put(bucket, kv);
      }
      return kv;
    }
  }

  /**
   * The value of a key of a user's bucket, by one direct-get request to the bucket's stream (the
   * JetStream API the KV client uses, without parsing what the caller does not need); empty when
   * the key is absent or deleted. For the busiest read, the task status route.
   */
  public Optional<byte[]> userValue(String userKey, String key)
      throws IOException, JetStreamApiException {
    String bucket = USER_BUCKET_PREFIX + userKey;
    userBucket(userKey); // the bucket exists from here on
    Message reply;
    try {
      reply =
          connection.request(
              "$JS.API.DIRECT.GET.KV_" + bucket + ".$KV." + bucket + "." + key,
              null,
              DIRECT_GET_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (reply == null) {
      throw new IOException("no answer from JetStream in " + DIRECT_GET_TIMEOUT.toMillis() + " ms");
    }
    if (reply.isStatusMessage()) {
      if (reply.getStatus().getCode() == 404) {
        return Optional.empty();
      }
      throw new IOException("direct get failed: " + reply.getStatus().getMessage());
    }
    Headers headers = reply.getHeaders();
    String operation = headers == null ? null : headers.getFirst("KV-Operation");
    if (operation != null && !operation.equals("PUT")) {
      return Optional.empty(); // deleted or purged
    }
    return Optional.of(reply.getData());
  }

  private static final Duration DIRECT_GET_TIMEOUT = Duration.ofSeconds(5);

  public KeyValue admission() throws IOException {
    return open(ADMISSION_BUCKET);
  }

  private KeyValue open(String bucket) throws IOException {
    KeyValue kv = openBuckets.get(bucket);
    if (kv == null) {
      kv = connection.keyValue(bucket);
      openBuckets.put(bucket, kv);
    }
    return kv;
  }

  public ObjectStore results() throws IOException {
    return store(RESULTS_STORE);
  }

  private ObjectStore store(String name) throws IOException {
    ObjectStore store = openStores.get(name);
    if (store == null) {
      store = connection.objectStore(name);
      openStores.put(name, store);
    }
    return store;
  }

  private void ensureInjections(JetStreamManagement jsm) throws IOException, JetStreamApiException {
    StreamConfiguration stream =
        StreamConfiguration.builder()
            .name(INJECTION_STREAM)
            .subjects(INJECTION_SUBJECT)
            .retentionPolicy(RetentionPolicy.WorkQueue)
            .storageType(StorageType.File)
            .replicas(replicas)
            .maxAge(UPLOAD_TTL)
            .build();
    try {
      jsm.getStreamInfo(INJECTION_STREAM);
    } catch (JetStreamApiException e) {
      if (e.getErrorCode() != 404) {
        throw e;
      }
      jsm.addStream(stream);
    }
    jsm.addOrUpdateConsumer(
        INJECTION_STREAM,
        ConsumerConfiguration.builder()
            .durable(INJECTOR_CONSUMER)
            .ackPolicy(AckPolicy.Explicit)
            .ackWait(Duration.ofMinutes(2))
            .maxDeliver(10)
            .build());
    var osm = connection.objectStoreManagement();
    osm.create(
        ObjectStoreConfiguration.builder(UPLOADS_STORE)
            .storageType(StorageType.File)
            .replicas(replicas)
            .ttl(UPLOAD_TTL)
            .build());
    osm.create(
        ObjectStoreConfiguration.builder(INJECTED_STORE)
            .storageType(StorageType.File)
            .replicas(replicas)
            .build());
  }

  public ObjectStore uploads() throws IOException {
    return store(UPLOADS_STORE);
  }

  public ObjectStore injected() throws IOException {
    return store(INJECTED_STORE);
  }

  /** The observer's bucket; the observer creates it too, since it may start first. */
  public void ensureObserverBucket() throws IOException, JetStreamApiException {
    ensureBucket(OBSERVER_BUCKET, OBSERVER_TTL);
  }

  public KeyValue observer() throws IOException {
    return open(OBSERVER_BUCKET);
  }

  private void ensureBucket(String bucket, Duration ttl) throws IOException, JetStreamApiException {
    KeyValueManagement kvm = connection.keyValueManagement();
    KeyValueConfiguration config =
        KeyValueConfiguration.builder()
            .name(bucket)
            .storageType(StorageType.File)
            .replicas(replicas)
            .maxHistoryPerKey(1)
            .ttl(ttl)
            .build();
    try {
      kvm.getStatus(bucket);
    } catch (JetStreamApiException e) {
      if (e.getErrorCode() != 404) {
        throw e;
      }
      // The bucket's stream as the KV client makes it, less purge: no rollup message can wipe a
      // key's history and no purge request a bucket. Nothing of ours purges; keys are deleted.
      connection
          .jetStreamManagement()
          .addStream(
              StreamConfiguration.builder(config.getBackingConfig())
                  .allowRollup(false)
                  .denyPurge(true)
                  .build());
    }
  }
}
