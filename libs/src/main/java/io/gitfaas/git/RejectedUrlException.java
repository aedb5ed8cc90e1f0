package io.gitfaas.git;

/** A repository URL the policy does not allow; the message is meant for the user. */
public final class RejectedUrlException extends Exception {
  private static final long serialVersionUID = 1L;

  public RejectedUrlException(String message) {
    super(message);
  }
}
