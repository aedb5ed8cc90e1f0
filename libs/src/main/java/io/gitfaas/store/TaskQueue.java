package io.gitfaas.store;

import io.gitfaas.task.TaskRequest;

/** Where admitted tasks wait for a worker. */
public interface TaskQueue {
  /**
   * Enqueues the task; publishing the same task id again enqueues it once.
   *
   * @param recordRevision the revision of the task's PENDING record: a worker claims the task on it
   *     without reading the record first (the claim is a compare-and-set, so a record changed since
   *     is read after all)
   */
  void publish(TaskRequest request, long recordRevision);
}
