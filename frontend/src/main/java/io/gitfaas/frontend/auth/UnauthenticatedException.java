package io.gitfaas.frontend.auth;

/** No valid ID token: the request gets 401 with this message. */
public final class UnauthenticatedException extends Exception {
  private static final long serialVersionUID = 1L;

  public UnauthenticatedException(String message) {
    super(message);
  }
}
