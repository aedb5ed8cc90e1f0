package io.gitfaas.worker.fair;

import io.gitfaas.task.UserKey;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Fair sharing in one process: running tasks and last starts kept here, the queue's per-user counts
 * from the queue the worker reads (keyed by {@link UserKey}, running tasks included, as JetStream
 * counts them).
 */
public final class InMemoryFairShare implements FairShare {
  private final Supplier<Map<String, Long>> inQueue;
  private final Clock clock;
  private final Map<String, Integer> running = new ConcurrentHashMap<>();
  private final Map<String, java.time.Instant> lastStarted = new ConcurrentHashMap<>();

  public InMemoryFairShare(Supplier<Map<String, Long>> inQueue, Clock clock) {
    this.inQueue = inQueue;
    this.clock = clock;
  }

  @Override
  public boolean shouldYield(String owner, long queuedBehind) {
    return FairSharePolicy.shouldYield(
        UserKey.of(owner), inQueue.get(), Map.copyOf(running), Map.copyOf(lastStarted));
  }

  @Override
  public Running started(String owner, UUID taskId) {
    String user = UserKey.of(owner);
    running.merge(user, 1, Integer::sum);
    lastStarted.put(user, clock.instant());
    return () -> running.computeIfPresent(user, (k, n) -> n > 1 ? n - 1 : null);
  }

  /** The user's running tasks. */
  public int running(String owner) {
    return running.getOrDefault(UserKey.of(owner), 0);
  }
}
