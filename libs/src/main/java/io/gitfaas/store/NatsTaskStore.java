package io.gitfaas.store;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.UserKey;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task records in per-user KV buckets. Every write after the first is compare-and-set.
 *
 * <p>Beside the records, the key {@value #USAGE_KEY} holds what the user's kept results hold, so
 * the quota is one read however many tasks the user has: bytes by the minute their records named
 * them (epoch minutes), changed when a record's {@code resultBytes} changes or a record is deleted.
 * A minute counts until TASK_TTL after it ends, when every result named in it has expired from the
 * store, so the figure errs by at most a minute's results on the side of holding more.
 */
public final class NatsTaskStore implements TaskStore {
  private static final Logger LOG = LoggerFactory.getLogger(NatsTaskStore.class);

  /** JetStream's "wrong last sequence": the compare-and-set lost. */
  static final int WRONG_LAST_SEQUENCE = 10071;

  /** The key of the user's kept-result bytes; never a task id. */
  static final String USAGE_KEY = "usage";

  private static final TypeReference<TreeMap<Long, Long>> USAGE = new TypeReference<>() {};

  private final NatsResources resources;

  public NatsTaskStore(NatsResources resources) {
    this.resources = resources;
  }

  @Override
  public Versioned<TaskRecord> create(String owner, TaskRecord record) {
    try {
      long revision =
          onBucket(owner, kv -> kv.create(record.taskId().toString(), Json.write(record)));
      return new Versioned<>(record, revision);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == StoreFullException.MAXIMUM_BYTES_EXCEEDED) {
        throw new StoreFullException(
            "your task list is full (USER_BUCKET_MAX_BYTES); tasks leave it TASK_TTL after they"
                + " ended",
            e);
      }
      throw new StoreException("could not store task " + record.taskId(), e);
    } catch (IOException e) {
      throw new StoreException("could not store task " + record.taskId(), e);
    }
  }

  @Override
  public Optional<Versioned<TaskRecord>> get(String owner, UUID taskId) {
    try {
      KeyValueEntry entry = onBucket(owner, kv -> kv.get(taskId.toString()));
      if (entry == null || entry.getOperation() != KeyValueOperation.PUT) {
        return Optional.empty();
      }
      return Optional.of(
          new Versioned<>(Json.read(entry.getValue(), TaskRecord.class), entry.getRevision()));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not read task " + taskId, e);
    }
  }

  /**
   * The task's record as stored: the same JSON {@link #get} would parse, for a caller that only
   * passes it on.
   */
  @Override
  public Optional<byte[]> getJson(String owner, UUID taskId) {
    try {
      KeyValueEntry entry = onBucket(owner, kv -> kv.get(taskId.toString()));
      return entry == null || entry.getOperation() != KeyValueOperation.PUT
          ? Optional.empty()
          : Optional.of(entry.getValue());
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not read task " + taskId, e);
    }
  }

  /**
   * The one way a status changes: writes {@code next} only if the entry is still at {@code
   * current}'s revision and the status rule allows the move.
   */
  @Override
  public Versioned<TaskRecord> update(String owner, Versioned<TaskRecord> current, TaskRecord next)
      throws StaleRevisionException {
    TaskStore.checkUpdate(current, next);
    try {
      long revision =
          onBucket(
              owner,
              kv -> kv.update(next.taskId().toString(), Json.write(next), current.revision()));
      addUsage(owner, next, bytes(next) - bytes(current.value()));
      return new Versioned<>(next, revision);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
        throw new StaleRevisionException("task " + next.taskId() + " changed concurrently");
      }
      throw new StoreException("could not update task " + next.taskId(), e);
    } catch (IOException e) {
      throw new StoreException("could not update task " + next.taskId(), e);
    }
  }

  @Override
  public void delete(String owner, UUID taskId) {
    Optional<Versioned<TaskRecord>> found = get(owner, taskId);
    try {
      onBucket(
          owner,
          kv -> {
            kv.delete(taskId.toString());
            return null;
          });
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not delete task " + taskId, e);
    }
    found.ifPresent(v -> addUsage(owner, v.value(), -bytes(v.value())));
  }

  /** What the user's kept results hold: one read of the usage key, the expired minutes left out. */
  @Override
  public long resultBytes(String owner) {
    try {
      return live(usage(owner).value(), Instant.now()).values().stream()
          .mapToLong(Long::longValue)
          .sum();
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not read what your results hold", e);
    }
  }

  private static long bytes(TaskRecord task) {
    return task.resultBytes() == null ? 0 : task.resultBytes();
  }

  /** The usage entry and its revision (0 when there is none). */
  private Versioned<Map<Long, Long>> usage(String owner) throws IOException, JetStreamApiException {
    KeyValueEntry entry = onBucket(owner, kv -> kv.get(USAGE_KEY));
    if (entry == null) {
      return new Versioned<>(Map.of(), 0);
    }
    if (entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null) {
      return new Versioned<>(Map.of(), entry.getRevision());
    }
    return new Versioned<>(Json.MAPPER.readValue(entry.getValue(), USAGE), entry.getRevision());
  }

  /** The minutes that still count: those that ended less than TASK_TTL ago. */
  private TreeMap<Long, Long> live(Map<Long, Long> byMinute, Instant now) {
    long oldest = now.minus(resources.topology().taskTtl()).getEpochSecond() / 60;
    TreeMap<Long, Long> out = new TreeMap<>(byMinute);
    out.headMap(oldest).clear();
    return out;
  }

  /**
   * Adds {@code delta} bytes to the minute the task ended in, by compare-and-set. A failure is
   * logged, not thrown: the record is written already, and the quota is a bound on storage, so it
   * counts less for a while rather than failing the task.
   */
  private void addUsage(String owner, TaskRecord task, long delta) {
    if (delta == 0) {
      return;
    }
    Instant now = Instant.now();
    long minute = (task.finishedAt() != null ? task.finishedAt() : now).getEpochSecond() / 60;
    try {
      for (int attempt = 0; attempt < 20; attempt++) {
        Versioned<Map<Long, Long>> current = usage(owner);
        TreeMap<Long, Long> next = live(current.value(), now);
        if (minute < now.minus(resources.topology().taskTtl()).getEpochSecond() / 60) {
          return; // that minute's results have expired: nothing to count
        }
        if (next.merge(minute, delta, Long::sum) <= 0) {
          next.remove(minute);
        }
        byte[] value = Json.MAPPER.writeValueAsBytes(next);
        try {
          onBucket(
              owner,
              kv ->
                  current.revision() == 0
                      ? kv.create(USAGE_KEY, value)
                      : kv.update(USAGE_KEY, value, current.revision()));
          return;
        } catch (JetStreamApiException e) {
          if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) {
            throw e;
          }
        }
      }
      LOG.warn("what {}'s results hold changed too often to count {} bytes", owner, delta);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("could not count {} bytes of results: {}", delta, e.toString());
    }
  }

  /**
   * The user's tasks, newest first: one pass of an ordered consumer over the bucket (the last value
   * of every key), not a request per task.
   */
  @Override
  public List<TaskRecord> list(String owner) {
    Map<String, TaskRecord> found = new HashMap<>();
    CountDownLatch caughtUp = new CountDownLatch(1);
    try (AutoCloseable watch =
        watch(
            owner,
            new TaskListener() {
              @Override
              public void changed(TaskRecord task) {
                synchronized (found) {
                  found.put(task.taskId().toString(), task);
                }
              }

              @Override
              public void removed(String taskId) {
                synchronized (found) {
                  found.remove(taskId);
                }
              }

              @Override
              public void caughtUp() {
                caughtUp.countDown();
              }
            })) {
      if (!caughtUp.await(LIST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new StoreException(
            "listing tasks took longer than " + LIST_TIMEOUT.toSeconds() + " s", null);
      }
      List<TaskRecord> out;
      synchronized (found) {
        out = new ArrayList<>(found.values());
      }
      out.sort(Comparator.comparing(TaskRecord::createdAt).reversed());
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while listing tasks", e);
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw new StoreException("could not list tasks", e);
    }
  }

  private static final Duration LIST_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Reports every task of the user as it is now, then every change as it happens, until the
   * returned handle is closed. Nothing is missed between the snapshot and the changes: both come
   * from one ordered consumer on the user's bucket. Every watch shares one dispatcher thread.
   */
  @Override
  public AutoCloseable watch(String owner, TaskListener listener) {
    KeyValueWatcher watcher =
        new KeyValueWatcher() {
          @Override
          public void watch(KeyValueEntry entry) {
            if (entry.getKey().equals(USAGE_KEY)) {
              return; // not a task
            }
            if (entry.getOperation() != KeyValueOperation.PUT) {
              listener.removed(entry.getKey());
              return;
            }
            TaskRecord task;
            try {
              task = Json.read(entry.getValue(), TaskRecord.class);
            } catch (RuntimeException e) {
              return; // not a task record: nothing a watcher could show
            }
            listener.changed(task);
          }

          @Override
          public void endOfData() {
            listener.caughtUp();
          }
        };
    try {
      return onBucket(owner, kv -> resources.watches().watchAll(kv.getBucketName(), watcher));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not watch tasks", e);
    }
  }

  private interface BucketUse<T> {
    T on(KeyValue kv) throws IOException, JetStreamApiException, InterruptedException;
  }

  /**
   * Uses the owner's bucket; when that fails because the bucket was removed while the user was idle
   * (this service's handle outlived it), makes the bucket anew and uses it once more.
   */
  private <T> T onBucket(String owner, BucketUse<T> use) throws IOException, JetStreamApiException {
    String userKey = UserKey.of(owner);
    try {
      try {
        return use.on(resources.userBucket(userKey));
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE
            || !resources.recreateUserBucketIfGone(userKey)) {
          throw e;
        }
      } catch (IOException e) {
        if (!resources.recreateUserBucketIfGone(userKey)) {
          throw e;
        }
      }
      return use.on(resources.userBucket(userKey));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while using the tasks of a user", e);
    }
  }
}
