package io.gitfaas.worker.fair;

import java.time.Duration;
import java.util.UUID;

/**
 * How workers share their slots between users. All tasks wait in one queue in the order they came;
 * a worker that receives a task of a user who already runs more tasks than another user with tasks
 * waiting lets it wait a moment and takes the next one, so a user with one task does not wait
 * behind another user's backlog, and a user alone uses every slot.
 */
public interface FairShare {
  /** How long a task that let another user's go first waits before it is handed out again. */
  Duration YIELD_DELAY = Duration.ofMillis(500);

  /** {@code queuedBehind} when the queue did not say how many tasks were behind the task. */
  long BEHIND_UNKNOWN = -1;

  /**
   * Whether the user's task should let another user's go first.
   *
   * @param queuedBehind how many tasks the queue held behind this one when it was handed out
   *     (JetStream's pending count), or {@link #BEHIND_UNKNOWN}
   */
  boolean shouldYield(String owner, long queuedBehind);

  /** Counts one of the user's tasks as running until the handle is closed. */
  Running started(String owner, UUID taskId);

  /** A running task, as counted for sharing. */
  interface Running extends AutoCloseable {
    @Override
    void close();
  }

  /** Shares nothing: every task runs in queue order (tests that are not about sharing). */
  FairShare OFF =
      new FairShare() {
        @Override
        public boolean shouldYield(String owner, long queuedBehind) {
          return false;
        }

        @Override
        public Running started(String owner, UUID taskId) {
          return () -> {};
        }
      };
}
