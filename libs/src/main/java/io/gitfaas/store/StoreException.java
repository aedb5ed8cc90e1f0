package io.gitfaas.store;

/** NATS could not be reached or answered with an error the caller cannot fix. */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
