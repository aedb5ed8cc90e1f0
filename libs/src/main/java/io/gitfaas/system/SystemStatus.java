package io.gitfaas.system;

import java.time.Instant;
import java.util.List;

/** What the observer saw at its last sample, and what it did about it. */
public record SystemStatus(
    String status,
    Workers workers,
    Queue queue,
    Instant at,
    List<StoreUse> storage,
    List<String> warnings) {
  public static final String OK = "OK";
  public static final String CONGESTED = "CONGESTED";

  public record Workers(int current, int desired, int busy, int min, int max) {}

  public record Queue(long pending, long inFlight, long redelivered, long oldestPendingSeconds) {}

  /** How much of a store's cap is used; {@code maxBytes} -1 when it has none. */
  public record StoreUse(String name, long bytes, long maxBytes) {
    /** Share of the cap in use, 0 to 100; 0 without a cap. */
    public int percent() {
      return maxBytes <= 0 ? 0 : (int) Math.min(100, bytes * 100 / maxBytes);
    }
  }

  public SystemStatus {
    storage = storage == null ? List.of() : List.copyOf(storage);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /** Without storage figures (a status read before they were sampled). */
  public SystemStatus(String status, Workers workers, Queue queue, Instant at) {
    this(status, workers, queue, at, List.of(), List.of());
  }
}
