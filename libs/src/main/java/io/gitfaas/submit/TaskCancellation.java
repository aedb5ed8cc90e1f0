package io.gitfaas.submit;

import io.gitfaas.callback.CallbackQueue;
import io.gitfaas.store.Admission;
import io.gitfaas.store.ResultStore;
import io.gitfaas.store.StaleRevisionException;
import io.gitfaas.store.StoreException;
import io.gitfaas.store.TaskStore;
import io.gitfaas.store.Versioned;
import io.gitfaas.task.CancelSignal;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskStatus;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Taking a task back, for its owner. A pending task is ended at once, by compare-and-set on its
 * record, so it never runs (the worker that takes its message finds it ended); a running one is
 * stopped by its worker, told through the {@link CancelSignal}, which keeps what the program
 * printed so far in the zip. Either way the task leaves the user's active tasks at once, and ends
 * {@code FINISHED_ERRORS} with the reason {@link #REASON}. Deleting also removes the record and the
 * kept result now, rather than when they expire.
 */
public final class TaskCancellation {
  private static final Logger LOG = LoggerFactory.getLogger(TaskCancellation.class);
  public static final String REASON = "cancelled by its owner";

  /** A task moves on a few times at most (pending, running, pending again after a lost worker). */
  private static final int MAX_TRIES = 10;

  private final TaskStore tasks;
  private final ResultStore results;
  private final Admission admission;
  private final CancelSignal signal;
  private final CallbackQueue callbacks;
  private final Clock clock;

  public TaskCancellation(
      TaskStore tasks,
      ResultStore results,
      Admission admission,
      CancelSignal signal,
      CallbackQueue callbacks,
      Clock clock) {
    this.tasks = tasks;
    this.results = results;
    this.admission = admission;
    this.signal = signal;
    this.callbacks = callbacks;
    this.clock = clock;
  }

  /** Thrown when the task has ended already: there is nothing to cancel. */
  public static final class AlreadyEndedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient TaskRecord record;

    AlreadyEndedException(TaskRecord record) {
      super("the task has ended already (" + record.status() + "); nothing to cancel");
      this.record = record;
    }

    public TaskRecord record() {
      return record;
    }
  }

  /**
   * Cancels the owner's task.
   *
   * @return the record after the request: ended if the task was waiting; still running if it was
   *     running (its worker ends it within a second); empty when the owner has no such task
   */
  public Optional<TaskRecord> cancel(String owner, UUID taskId) throws AlreadyEndedException {
    for (int i = 0; i < MAX_TRIES; i++) {
      Optional<Versioned<TaskRecord>> found = tasks.get(owner, taskId);
      if (found.isEmpty()) {
        return Optional.empty();
      }
      Versioned<TaskRecord> current = found.get();
      TaskRecord task = current.value();
      if (task.isTerminal()) {
        throw new AlreadyEndedException(task);
      }
      if (task.status() == TaskStatus.PENDING) {
        try {
          TaskRecord ended =
              tasks
                  .update(
                      owner,
                      current,
                      task.finished(
                          TaskStatus.FINISHED_ERRORS, clock.instant(), null, REASON, null))
                  .value();
          admission.release(owner, taskId);
          LOG.info("task {} cancelled by its owner before it ran", taskId);
          callbacks.queueIfAsked(owner, ended); // as a worker does for a task it ends
          return Optional.of(ended);
        } catch (StaleRevisionException e) {
          continue; // a worker claimed it meanwhile: cancel it as a running task
        }
      }
      signal.send(owner, taskId);
      admission.release(owner, taskId);
      LOG.info("task {} cancelled by its owner while it ran; its worker stops it", taskId);
      return Optional.of(task);
    }
    throw new StoreException("task " + taskId + " kept changing while it was cancelled", null);
  }

  /**
   * Removes the owner's task now: a task that has not ended is cancelled first, then its record and
   * its kept result go. A running task's worker finds the record gone when it ends, and keeps no
   * zip.
   *
   * @return false when the owner has no such task
   */
  public boolean delete(String owner, UUID taskId) {
    Optional<Versioned<TaskRecord>> found = tasks.get(owner, taskId);
    if (found.isEmpty()) {
      return false;
    }
    TaskRecord task = found.get().value();
    if (!task.isTerminal()) {
      try {
        task = cancel(owner, taskId).orElse(task);
      } catch (AlreadyEndedException e) {
        task = e.record();
      }
    }
    tasks.delete(owner, taskId);
    admission.release(owner, taskId);
    if (task.resultBytes() != null) {
      try {
        results.delete(owner, taskId, task.attempt());
      } catch (StoreException e) {
        LOG.warn("task {}: its result stays until it expires: {}", taskId, e.getMessage());
      }
    }
    LOG.info("task {} deleted by its owner", taskId);
    return true;
  }
}
