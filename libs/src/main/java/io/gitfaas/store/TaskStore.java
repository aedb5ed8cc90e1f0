package io.gitfaas.store;

import io.gitfaas.task.TaskRecord;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Task records, one set per user. Every write after the first is compare-and-set on the record's
 * revision, and the status rule ({@code TaskStatus.canMoveTo}) is checked on every update. {@link
 * NatsTaskStore} keeps them in JetStream, {@link InMemoryTaskStore} in memory with the same
 * behaviour (for fast tests); {@code TaskStoreContract} holds both to it.
 */
public interface TaskStore {
  /** Stores a new record; a record with the same id must not exist. */
  Versioned<TaskRecord> create(String owner, TaskRecord record);

  Optional<Versioned<TaskRecord>> get(String owner, UUID taskId);

  /**
   * The task's record as stored: the same JSON {@link #get} would parse, for a caller that only
   * passes it on.
   */
  Optional<byte[]> getJson(String owner, UUID taskId);

  /**
   * The one way a status changes: writes {@code next} only if the record is still at {@code
   * current}'s revision and the status rule allows the move.
   *
   * @throws StaleRevisionException when the record changed since {@code current} was read
   */
  Versioned<TaskRecord> update(String owner, Versioned<TaskRecord> current, TaskRecord next)
      throws StaleRevisionException;

  void delete(String owner, UUID taskId);

  /** The user's tasks, newest first. */
  List<TaskRecord> list(String owner);

  /**
   * Reports every task of the user as it is now, then each change as it happens, until the returned
   * handle is closed. Nothing is missed between the snapshot and the changes; a record keeps its
   * latest state only, so a change overtaken before the watch saw it may be skipped, never the
   * latest one.
   */
  AutoCloseable watch(String owner, TaskListener listener);

  /** What the user's kept results hold: the sum of the result sizes their records name. */
  default long resultBytes(String owner) {
    return list(owner).stream().mapToLong(t -> t.resultBytes() == null ? 0 : t.resultBytes()).sum();
  }

  /** What a watch of a user's tasks reports, on one thread, in the order of the changes. */
  interface TaskListener {
    /** A task was created or changed. */
    void changed(TaskRecord task);

    /** A task was deleted (its key, a task id). */
    void removed(String taskId);

    /** Every task that existed when the watch began has been reported. */
    void caughtUp();
  }

  /** The checks every update makes before it writes: the same task, an allowed move. */
  static void checkUpdate(Versioned<TaskRecord> current, TaskRecord next) {
    if (!current.value().taskId().equals(next.taskId())) {
      throw new IllegalArgumentException("task ids differ");
    }
    if (current.value().status() != next.status()
        && !current.value().status().canMoveTo(next.status())) {
      throw new IllegalStateException(
          "task " + next.taskId() + ": " + current.value().status() + " -> " + next.status());
    }
  }
}
