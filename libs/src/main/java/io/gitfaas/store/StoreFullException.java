package io.gitfaas.store;

/** A store refused a write because it holds as much as it may (its max bytes setting). */
public final class StoreFullException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** JetStream's "maximum bytes exceeded". */
  static final int MAXIMUM_BYTES_EXCEEDED = 10077;

  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The result store refused a task's zip. */
  public static StoreFullException results(java.util.UUID taskId, Throwable cause) {
    return new StoreFullException(
        "the result store is full (RESULTS_STORE_MAX_BYTES); the result of "
            + taskId
            + " was not kept",
        cause);
  }

  /** The task queue refused a task. */
  public static StoreFullException queue(Throwable cause) {
    return new StoreFullException(
        "the task queue is full (QUEUE_MAX_BYTES); try again when it has drained", cause);
  }
}
