package io.gitfaas.submit;

import io.gitfaas.concurrent.Futures;
import io.gitfaas.store.Admission;
import io.gitfaas.store.Admission.Found;
import io.gitfaas.store.StoreException;
import io.gitfaas.store.TaskQueue;
import io.gitfaas.store.TaskStore;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepting a task: admit it under the user's active-task limit, record it as PENDING, then enqueue
 * it. The record exists before the message, so a worker always finds it; if enqueueing fails the
 * record and the admission are undone.
 */
public final class TaskSubmission {
  private static final Logger LOG = LoggerFactory.getLogger(TaskSubmission.class);

  private final Admission admission;
  private final TaskStore tasks;
  private final TaskQueue queue;
  private final int maxActivePerUser;
  private final long resultQuota;

  /** Without a result quota. */
  public TaskSubmission(Admission admission, TaskStore tasks, TaskQueue queue, int maxActive) {
    this(admission, tasks, queue, maxActive, Long.MAX_VALUE);
  }

  public TaskSubmission(
      Admission admission, TaskStore tasks, TaskQueue queue, int maxActive, long resultQuota) {
    this.admission = admission;
    this.tasks = tasks;
    this.queue = queue;
    this.maxActivePerUser = maxActive;
    this.resultQuota = resultQuota;
  }

  /** Thrown when the user already has the maximum number of active tasks. */
  public static final class LimitReachedException extends Exception {
    private static final long serialVersionUID = 1L;

    public LimitReachedException(int limit) {
      super("you already have " + limit + " active tasks; wait until some finish");
    }

    LimitReachedException(String message) {
      super(message);
    }
  }

  public TaskRecord submit(TaskRequest request) throws LimitReachedException {
    if (resultQuota == Long.MAX_VALUE) {
      return submitWithinQuota(request);
    }
    // The quota's figure is read while the task is admitted: neither waits for the other.
    String owner = request.owner();
    CompletableFuture<Long> used = Futures.beside(() -> tasks.resultBytes(owner));
    admit(request);
    try {
      requireQuota(Futures.valueOf(used));
    } catch (LimitReachedException | RuntimeException e) {
      admission.release(owner, request.taskId());
      throw e;
    }
    return recordAndEnqueue(request);
  }

  /** Refuses a user whose kept results hold their quota already. */
  public void requireQuota(String owner) throws LimitReachedException {
    requireQuota(resultBytes(owner));
  }

  private void requireQuota(long used) throws LimitReachedException {
    if (used >= resultQuota) {
      throw new LimitReachedException(
          "your kept results hold "
              + used
              + " bytes, the most a user may keep (USER_RESULT_QUOTA "
              + resultQuota
              + "); new tasks are accepted as older results expire");
    }
  }

  /**
   * Admits, records and enqueues a task of a user whose quota {@link #requireQuota} checked (a
   * batch checks it once for all its tasks).
   */
  public TaskRecord submitWithinQuota(TaskRequest request) throws LimitReachedException {
    admit(request);
    return recordAndEnqueue(request);
  }

  /** Adds the task to the user's active ones, unless the user has the most allowed already. */
  private void admit(TaskRequest request) throws LimitReachedException {
    UUID id = request.taskId();
    String owner = request.owner();
    boolean admitted =
        admission.admit(
            owner,
            id,
            maxActivePerUser,
            other ->
                tasks
                    .get(owner, other)
                    .map(v -> v.value().isTerminal() ? Found.ENDED : Found.ACTIVE)
                    .orElse(Found.ABSENT),
            request.createdAt());
    if (!admitted) {
      throw new LimitReachedException(maxActivePerUser);
    }
  }

  /** Records the admitted task as PENDING and enqueues it; undoes both if either fails. */
  private TaskRecord recordAndEnqueue(TaskRequest request) {
    UUID id = request.taskId();
    String owner = request.owner();
    TaskRecord record = TaskRecord.pending(request);
    long revision;
    try {
      revision = tasks.create(owner, record).revision();
    } catch (StoreException e) {
      admission.release(owner, id);
      throw e;
    }
    try {
      queue.publish(request, revision);
    } catch (StoreException e) {
      LOG.error("task {} could not be enqueued; undoing it", id, e);
      try {
        tasks.delete(owner, id);
      } finally {
        admission.release(owner, id);
      }
      throw e;
    }
    return record;
  }

  /** What the user's kept results hold (see {@link TaskStore#resultBytes}). */
  private long resultBytes(String owner) {
    return resultQuota == Long.MAX_VALUE ? 0 : tasks.resultBytes(owner);
  }
}
