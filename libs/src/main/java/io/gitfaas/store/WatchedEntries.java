package io.gitfaas.store;

import io.gitfaas.nats.NatsResources;
import io.gitfaas.nats.NatsTopology;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admission entries with each key's latest value as a watch of the bucket, this process's own
 * writes and its reads reported it. {@link #readRecent} answers from that without a round trip; it
 * may be behind the bucket for a moment, which a compare-and-set on it finds out (and then the key
 * is read from the bucket). {@link #read} always asks the bucket.
 */
final class WatchedEntries implements Admission.Entries {
  private final Admission.Entries bucket;
  private final ConcurrentHashMap<String, Versioned<byte[]>> seen = new ConcurrentHashMap<>();

  WatchedEntries(Admission.Entries bucket) {
    this.bucket = bucket;
  }

  /** Entries over {@code bucket}, kept up to date by a watch of the admission bucket. */
  static WatchedEntries start(Admission.Entries bucket, NatsResources resources)
      throws IOException, JetStreamApiException {
    WatchedEntries entries = new WatchedEntries(bucket);
    resources
        .watches()
        .watchAll(
            NatsTopology.ADMISSION_BUCKET,
            new KeyValueWatcher() {
              @Override
              public void watch(KeyValueEntry entry) {
                byte[] value =
                    entry.getOperation() == KeyValueOperation.PUT ? entry.getValue() : null;
                entries.seen(entry.getKey(), new Versioned<>(value, entry.getRevision()));
              }

              @Override
              public void endOfData() {}
            });
    return entries;
  }

  @Override
  public Versioned<byte[]> read(String key) {
    Versioned<byte[]> entry = bucket.read(key);
    seen(key, entry);
    return entry;
  }

  @Override
  public Versioned<byte[]> readRecent(String key) {
    Versioned<byte[]> entry = seen.get(key);
    return entry != null ? entry : read(key);
  }

  @Override
  public long write(String key, long revision, byte[] value) throws StaleRevisionException {
    try {
      long written = bucket.write(key, revision, value);
      seen(key, new Versioned<>(value, written));
      return written;
    } catch (StaleRevisionException e) {
      seen.remove(key); // behind the bucket: the next read asks it
      throw e;
    }
  }

  /** Keeps the newer of what was seen before and {@code entry}. */
  void seen(String key, Versioned<byte[]> entry) {
    seen.merge(key, entry, (before, now) -> now.revision() >= before.revision() ? now : before);
  }
}
