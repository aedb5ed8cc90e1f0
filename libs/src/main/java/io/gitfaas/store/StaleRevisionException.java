package io.gitfaas.store;

/** Somebody else wrote the entry since it was read: losing such a race is normal. */
public final class StaleRevisionException extends Exception {
  private static final long serialVersionUID = 1L;

  public StaleRevisionException(String message) {
    super(message);
  }
}
