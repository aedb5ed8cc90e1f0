package io.gitfaas.store;

/** A store refused a write because it holds as much as it may (its max bytes setting). */
public final class StoreFullException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** JetStream's "maximum bytes exceeded". */
  static final int MAXIMUM_BYTES_EXCEEDED = 10077;

  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
