package io.gitfaas.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.store.Admission.Found;
import io.gitfaas.testkit.JetStreamFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Admission on the JetStream bucket with a watch of it, as a frontend runs it: the contract holds,
 * and a set that nothing changed since it was last seen is admitted to with one round trip.
 */
class WatchedNatsAdmissionTest extends AdmissionContract {
  static JetStreamFixture nats;

  @BeforeAll
  static void start() throws Exception {
    nats = new JetStreamFixture("watched-admission-test");
  }

  @AfterAll
  static void stop() throws Exception {
    nats.close();
  }

  @Override
  Admission.Entries entries() {
    try {
      return WatchedEntries.start(new Admission.KvEntries(nats.resources()), nats.resources());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The bucket's entries, counting what is asked of it. */
  static final class Counted implements Admission.Entries {
    final Admission.Entries bucket = new Admission.KvEntries(nats.resources());
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public Versioned<byte[]> read(String key) {
      reads.incrementAndGet();
      return bucket.read(key);
    }

    @Override
    public long write(String key, long revision, byte[] value) throws StaleRevisionException {
      writes.incrementAndGet();
      return bucket.write(key, revision, value);
    }
  }

  @Test
  void aSetNothingElseChangedIsAdmittedToWithOneWriteAndNoRead() throws Exception {
    Counted bucket = new Counted();
    WatchedEntries entries = WatchedEntries.start(bucket, nats.resources());
    Admission frontend = new Admission(entries);
    Admission worker = new Admission(new Admission.KvEntries(nats.resources()));
    String user = user();
    UUID first = UUID.randomUUID();
    assertThat(frontend.admit(user, first, 1, id -> Found.ACTIVE, Instant.now())).isTrue();

    // A worker ends the task; the watch reports it.
    worker.release(user, first);
    String key = io.gitfaas.task.UserKey.of(user);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> new String(entries.readRecent(key).value()).equals("{}"));
    int reads = bucket.reads.get();
    int writes = bucket.writes.get();
    UUID second = UUID.randomUUID();

    assertThat(frontend.admit(user, second, 1, id -> Found.ACTIVE, Instant.now())).isTrue();
    assertThat(bucket.reads.get() - reads).isZero();
    assertThat(bucket.writes.get() - writes).isEqualTo(1);
    assertThat(worker.active(user)).containsExactly(second);
  }

  @Test
  void aSetChangedBehindTheWatchIsReadAgainAndTheLimitHolds() throws Exception {
    Counted bucket = new Counted();
    WatchedEntries entries = new WatchedEntries(bucket); // no watch: it sees only its own writes
    Admission frontend = new Admission(entries);
    Admission other = new Admission(new Admission.KvEntries(nats.resources()));
    String user = user();
    UUID mine = UUID.randomUUID();
    assertThat(frontend.admit(user, mine, 2, id -> Found.ACTIVE, Instant.now())).isTrue();
    UUID theirs = UUID.randomUUID();
    assertThat(other.admit(user, theirs, 2, id -> Found.ACTIVE, Instant.now())).isTrue();

    // The set as this frontend last saw it has room; the bucket's has none.
    assertThat(frontend.admit(user, UUID.randomUUID(), 2, id -> Found.ACTIVE, Instant.now()))
        .isFalse();
    assertThat(other.active(user)).containsExactlyInAnyOrder(mine, theirs);

    // And a set last seen full, that has room now, admits.
    other.release(user, theirs);
    UUID next = UUID.randomUUID();
    assertThat(frontend.admit(user, next, 2, id -> Found.ACTIVE, Instant.now())).isTrue();
    assertThat(other.active(user)).containsExactlyInAnyOrder(mine, next);
  }
}
