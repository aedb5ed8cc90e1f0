package io.gitfaas.store;

import io.gitfaas.task.TaskRequest;

/** Where admitted tasks wait for a worker. */
public interface TaskQueue {
  /** Enqueues the task; publishing the same task id again enqueues it once. */
  void publish(TaskRequest request);
}
