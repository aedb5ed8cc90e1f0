package io.gitfaas.inject;

import java.time.Instant;

/**
 * A message to the injector: store an uploaded file as an injected file, or delete one.
 *
 * @param uploadId the staged upload's object name (for PUT)
 */
public record InjectionRequest(
    Op op, String name, String uploadId, long size, String requestedBy, Instant at) {
  public enum Op {
    PUT,
    DELETE
  }
}
