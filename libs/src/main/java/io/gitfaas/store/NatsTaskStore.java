package io.gitfaas.store;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Task records in per-user KV buckets. Every write after the first is compare-and-set. */
public final class NatsTaskStore implements TaskStore {
  /** JetStream's "wrong last sequence": the compare-and-set lost. */
  static final int WRONG_LAST_SEQUENCE = 10071;

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
