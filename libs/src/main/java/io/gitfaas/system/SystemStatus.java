package io.gitfaas.system;

import java.time.Instant;

/** What the observer saw at its last sample, and what it did about it. */
public record SystemStatus(String status, Workers workers, Queue queue, Instant at) {
  public static final String OK = "OK";
  public static final String CONGESTED = "CONGESTED";

  public record Workers(int current, int desired, int busy, int min, int max) {}

  public record Queue(long pending, long inFlight, long redelivered, long oldestPendingSeconds) {}
}
