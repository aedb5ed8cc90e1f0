package io.gitfaas.store;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.task.UserKey;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The per-user set of active task ids (with when each was admitted), one KV entry per user changed
 * only by compare-and-set, so the active-task limit holds exactly across any number of frontends.
 * Workers remove a task when it ends; ids whose task ended without that (or expired) are pruned
 * when the set looks full.
 */
public final class Admission {
  private static final TypeReference<LinkedHashMap<UUID, Instant>> ID_MAP =
      new TypeReference<>() {};

  /**
   * An admitted id whose record cannot be found is pruned only after this long: its submission may
   * still be on its way to creating the record.
   */
  static final Duration ABSENT_GRACE = Duration.ofMinutes(1);

  /**
   * The place in a user's set that says the user's task bucket is being removed (the set was empty
   * when it was taken): no task is admitted meanwhile. A mark older than {@link #SWEEP_MARK} is one
   * whose sweeper died, and is ignored.
   */
  static final UUID SWEEPING = new UUID(0, 0);

  static final Duration SWEEP_MARK = Duration.ofSeconds(30);

  /** How long an admission waits before looking at a marked set again. */
  private static final long SWEEP_WAIT_MILLIS = 20;

  /** What the task store says of an admitted task. */
  public enum Found {
    ACTIVE,
    ENDED,
    ABSENT
  }

  /** Where the sets are kept: one entry per user, written by compare-and-set on its revision. */
  public interface Entries {
    /** The entry and its revision; revision 0 and no value when there is none. */
    Versioned<byte[]> read(String key);

    /**
     * The entry as last seen, which may be behind the bucket: good only for a compare-and-set's
     * first try, which fails if it is behind. By default, {@link #read}.
     */
    default Versioned<byte[]> readRecent(String key) {
      return read(key);
    }

    /**
     * Writes the entry if it is still at {@code revision} (0: if there is none).
     *
     * @return the entry's new revision
     */
    long write(String key, long revision, byte[] value) throws StaleRevisionException;
  }

  private final Entries entries;
  // Serializes one frontend's admissions per user, so the compare-and-set rarely loses.
  private final ConcurrentHashMap<String, Object> userLocks = new ConcurrentHashMap<>();

  /** The sets in JetStream's admission bucket. */
  public Admission(NatsResources resources) {
    this(new KvEntries(resources));
  }

  /**
   * The sets in JetStream's admission bucket, each admission's first try made on the set as a watch
   * of the bucket last reported it: one round trip (the compare-and-set) instead of two when
   * nothing changed the set since. For a frontend, which admits; the watch lasts as long as the
   * connection.
   */
  public static Admission watched(NatsResources resources) {
    try {
      return new Admission(WatchedEntries.start(new KvEntries(resources), resources));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not watch the admission bucket", e);
    }
  }

  public Admission(Entries entries) {
    this.entries = entries;
  }

  /** The sets in memory, with the same compare-and-set: for tests that need no services. */
  public static Admission inMemory() {
    return new Admission(new InMemoryEntries());
  }

  /**
   * Adds the task to the user's active set if it holds fewer than {@code limit} tasks.
   *
   * @param lookup tells what became of a listed task; used to prune when the set looks full
   * @return whether the task was admitted
   */
  public boolean admit(
      String owner, UUID taskId, int limit, Function<UUID, Found> lookup, Instant now) {
    String key = UserKey.of(owner);
    synchronized (userLocks.computeIfAbsent(key, k -> new Object())) {
      boolean pruned = false;
      // The first try may use the set as last seen: only a successful compare-and-set proves it
      // current, so anything decided without writing (a wait, a refusal) is read again first.
      boolean recent = true;
      while (true) {
        Versioned<Map<UUID, Instant>> current = recent ? readRecent(key) : read(key);
        Map<UUID, Instant> ids = new LinkedHashMap<>(current.value());
        Instant mark = ids.remove(SWEEPING);
        if (recent && (mark != null || ids.size() >= limit)) {
          recent = false;
          continue;
        }
        if (mark != null && mark.plus(SWEEP_MARK).isAfter(now)) {
          // The user's bucket is being removed; it takes milliseconds.
          pause();
          continue;
        }
        if (ids.size() >= limit && !pruned) {
          ids.entrySet()
              .removeIf(
                  e -> {
                    Found found = lookup.apply(e.getKey());
                    return found == Found.ENDED
                        || (found == Found.ABSENT && e.getValue().plus(ABSENT_GRACE).isBefore(now));
                  });
          pruned = true;
        }
        if (ids.size() >= limit) {
          return false;
        }
        ids.put(taskId, now);
        try {
          write(key, current.revision(), ids);
          return true;
        } catch (StaleRevisionException e) {
          // Another frontend or a worker changed the set: start over with fresh figures.
          pruned = false;
          recent = false;
        }
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(SWEEP_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while the user's bucket was being removed", e);
    }
  }

  /**
   * For removing an idle user's task bucket: marks the user's set, if it is empty, so that no task
   * is admitted until {@link #unmarkSweep}; the revision of the mark, or empty when the set holds
   * tasks or changed meanwhile.
   *
   * @param userKey the key of the user's bucket (the sweeper never sees addresses)
   */
  public Optional<Long> markSweep(String userKey, Instant now) {
    Versioned<Map<UUID, Instant>> current = read(userKey);
    if (!current.value().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(write(userKey, current.revision(), Map.of(SWEEPING, now)));
    } catch (StaleRevisionException e) {
      return Optional.empty();
    }
  }

  /** Lifts the mark {@link #markSweep} set; a mark already gone (it went stale) is fine. */
  public void unmarkSweep(String userKey, long revision) {
    try {
      write(userKey, revision, Map.of());
    } catch (StaleRevisionException e) {
      // an admission found the mark stale and went ahead
    }
  }

  /** Removes the task from the user's active set; removing an absent id is fine. */
  public void release(String owner, UUID taskId) {
    String key = UserKey.of(owner);
    while (true) {
      Versioned<Map<UUID, Instant>> current = read(key);
      if (!current.value().containsKey(taskId)) {
        return;
      }
      Map<UUID, Instant> ids = new LinkedHashMap<>(current.value());
      ids.remove(taskId);
      try {
        write(key, current.revision(), ids);
        return;
      } catch (StaleRevisionException e) {
        // retry with the newer set
      }
    }
  }

  public Set<UUID> active(String owner) {
    Set<UUID> ids = new java.util.HashSet<>(read(UserKey.of(owner)).value().keySet());
    ids.remove(SWEEPING);
    return ids;
  }

  private Versioned<Map<UUID, Instant>> read(String key) {
    return parse(entries.read(key));
  }

  private Versioned<Map<UUID, Instant>> readRecent(String key) {
    return parse(entries.readRecent(key));
  }

  private static Versioned<Map<UUID, Instant>> parse(Versioned<byte[]> entry) {
    if (entry.value() == null) {
      return new Versioned<>(Map.of(), entry.revision());
    }
    try {
      return new Versioned<>(Json.MAPPER.readValue(entry.value(), ID_MAP), entry.revision());
    } catch (IOException e) {
      throw new StoreException("could not read active tasks", e);
    }
  }

  private long write(String key, long revision, Map<UUID, Instant> ids)
      throws StaleRevisionException {
    return entries.write(key, revision, Json.write(ids));
  }

  /** Entries in the admission KV bucket, compare-and-set on the key's revision. */
  static final class KvEntries implements Entries {
    private final NatsResources resources;

    KvEntries(NatsResources resources) {
      this.resources = resources;
    }

    @Override
    public Versioned<byte[]> read(String key) {
      try {
        KeyValueEntry entry = resources.admission().get(key);
        if (entry == null || entry.getOperation() != KeyValueOperation.PUT) {
          return new Versioned<>(null, entry == null ? 0 : entry.getRevision());
        }
        return new Versioned<>(entry.getValue(), entry.getRevision());
      } catch (IOException | JetStreamApiException e) {
        throw new StoreException("could not read active tasks", e);
      }
    }

    @Override
    public long write(String key, long revision, byte[] value) throws StaleRevisionException {
      try {
        KeyValue kv = resources.admission();
        return revision == 0 ? kv.create(key, value) : kv.update(key, value, revision);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() == NatsTaskStore.WRONG_LAST_SEQUENCE) {
          throw new StaleRevisionException("active tasks changed concurrently");
        }
        throw new StoreException("could not write active tasks", e);
      } catch (IOException e) {
        throw new StoreException("could not write active tasks", e);
      }
    }
  }

  /** Entries in a map, with the bucket's revision rules. */
  static final class InMemoryEntries implements Entries {
    private final Map<String, Versioned<byte[]>> entries = new java.util.HashMap<>();
    private long revision;

    @Override
    public synchronized Versioned<byte[]> read(String key) {
      return entries.getOrDefault(key, new Versioned<>(null, 0));
    }

    @Override
    public synchronized long write(String key, long expected, byte[] value)
        throws StaleRevisionException {
      if (read(key).revision() != expected) {
        throw new StaleRevisionException("active tasks changed concurrently");
      }
      entries.put(key, new Versioned<>(value, ++revision));
      return revision;
    }
  }
}
