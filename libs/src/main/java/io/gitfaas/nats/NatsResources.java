package io.gitfaas.nats;

import io.gitfaas.config.Settings;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.ObjectStore;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open handles to the system's buckets and object stores ({@link NatsTopology} declares them).
 * Opening one asks the server for its stream's configuration: once per bucket is enough.
 */
public final class NatsResources {
  private final Connection connection;
  private final NatsTopology topology;
  private final ConcurrentHashMap<String, KeyValue> openBuckets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ObjectStore> openStores = new ConcurrentHashMap<>();
  private final BucketWatches watches;

  public NatsResources(Connection connection, NatsTopology topology) {
    this.connection = connection;
    this.topology = topology;
    this.watches = new BucketWatches(connection);
  }

  /** For tests: the handles over a topology with these figures. */
  public NatsResources(Connection connection, Duration taskTtl, Duration lease, int replicas) {
    this(connection, new NatsTopology(connection, taskTtl, lease, replicas));
  }

  public static NatsResources of(Connection connection, Settings settings) {
    return new NatsResources(connection, NatsTopology.of(connection, settings));
  }

  /** Declares every stream, consumer, bucket and store (see {@link NatsTopology#ensure()}). */
  public void ensure() throws IOException, JetStreamApiException {
    topology.ensure();
  }

  public NatsTopology topology() {
    return topology;
  }

  /** The user's task bucket, created on first use. */
  public KeyValue userBucket(String userKey) throws IOException, JetStreamApiException {
    String bucket = NatsTopology.USER_BUCKET_PREFIX + userKey;
    KeyValue kv = openBuckets.get(bucket);
    if (kv != null) {
      return kv;
    }
    // The first requests of a new user may come all at once: the bucket is created once, and
    // none of them uses it before it exists.
    synchronized (this) {
      kv = openBuckets.get(bucket);
      if (kv == null) {
        topology.ensureUserBucket(userKey);
        kv = connection.keyValue(bucket);
        openBuckets.put(bucket, kv);
      }
      return kv;
    }
  }

  /** Watches of buckets, all on one dispatcher. */
  public BucketWatches watches() {
    return watches;
  }

  /**
   * After a failed use of the user's bucket: when its stream is gone (removed while the user was
   * idle), forgets the handle and makes the bucket anew; false when the stream is there (the
   * failure was something else).
   */
  public synchronized boolean recreateUserBucketIfGone(String userKey)
      throws IOException, JetStreamApiException {
    String bucket = NatsTopology.USER_BUCKET_PREFIX + userKey;
    try {
      connection.jetStreamManagement().getStreamInfo("KV_" + bucket);
      return false;
    } catch (JetStreamApiException e) {
      if (e.getErrorCode() != 404) {
        throw e;
      }
    }
    openBuckets.remove(bucket);
    userBucket(userKey);
    return true;
  }

  public KeyValue admission() throws IOException {
    return bucket(NatsTopology.ADMISSION_BUCKET);
  }

  public KeyValue observer() throws IOException {
    return bucket(NatsTopology.OBSERVER_BUCKET);
  }

  public ObjectStore results() throws IOException {
    return store(NatsTopology.RESULTS_STORE);
  }

  public ObjectStore uploads() throws IOException {
    return store(NatsTopology.UPLOADS_STORE);
  }

  public ObjectStore injected() throws IOException {
    return store(NatsTopology.INJECTED_STORE);
  }

  private KeyValue bucket(String name) throws IOException {
    return cached(openBuckets, name, connection::keyValue);
  }

  private ObjectStore store(String name) throws IOException {
    return cached(openStores, name, connection::objectStore);
  }

  private interface Opener<T> {
    T open(String name) throws IOException;
  }

  private static <T> T cached(Map<String, T> open, String name, Opener<T> opener)
      throws IOException {
    T handle = open.get(name);
    if (handle == null) {
      handle = opener.open(name);
      open.put(name, handle);
    }
    return handle;
  }
}
