package io.gitfaas.callback;

import io.gitfaas.task.TaskRecord;
import org.slf4j.LoggerFactory;

/** Where callbacks wait to be sent, so whoever ends a task never waits on a receiver. */
public interface CallbackQueue {
  /** Queues the callback; the same task's ending queued twice is sent once. */
  void publish(Callback callback);

  /**
   * Queues the callback of a task that just ended, if it asked for one. A queue that cannot take it
   * costs the callback, never the task's ending: that is logged.
   */
  default void queueIfAsked(String owner, TaskRecord ended) {
    Callback.of(owner, ended)
        .ifPresent(
            callback -> {
              try {
                publish(callback);
              } catch (RuntimeException e) {
                LoggerFactory.getLogger(CallbackQueue.class)
                    .warn("task {}: its callback is not sent: {}", ended.taskId(), e.getMessage());
              }
            });
  }
}
