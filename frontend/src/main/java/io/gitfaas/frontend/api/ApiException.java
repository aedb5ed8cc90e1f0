package io.gitfaas.frontend.api;

import java.util.Map;

/** A request the API refuses, with the status and the user-facing message. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final transient Map<String, Object> extra;

  public ApiException(int status, String message) {
    this(status, message, Map.of());
  }

  public ApiException(int status, String message, Map<String, Object> extra) {
    super(message);
    this.status = status;
    this.extra = extra;
  }

  public int status() {
    return status;
  }

  public Map<String, Object> extra() {
    return extra;
  }
}
