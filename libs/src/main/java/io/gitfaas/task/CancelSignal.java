package io.gitfaas.task;

import java.util.UUID;
import java.util.function.Consumer;

/**
 * The word, from the frontend to every worker, that a task's owner cancelled it. Nothing is stored:
 * a worker hears it while connected, and keeps what it heard for a while, so a task it claims just
 * after is stopped too.
 */
public interface CancelSignal {
  /** Tells every worker that the task is cancelled. */
  void send(String owner, UUID taskId);

  /** Calls {@code cancelled} with every task id sent from now on, until closed. */
  AutoCloseable listen(Consumer<UUID> cancelled);
}
