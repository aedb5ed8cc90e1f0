package io.gitfaas.system;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The system status in memory: for tests that need no services. */
public final class InMemorySystemStatusStore implements SystemStatusStore {
  private SystemStatus status;
  private SystemHistory history = SystemHistory.empty();
  private final List<ScalingDecision> decisions = new ArrayList<>();

  @Override
  public synchronized void publish(SystemStatus status) {
    this.status = status;
  }

  @Override
  public synchronized void publish(SystemHistory history) {
    this.history = history;
  }

  @Override
  public synchronized Optional<SystemStatus> status() {
    return Optional.ofNullable(status);
  }

  @Override
  public synchronized SystemHistory history() {
    return history;
  }

  @Override
  public synchronized void record(ScalingDecision decision) {
    decisions.add(decision);
  }

  @Override
  public synchronized List<ScalingDecision> decisions(int limit) {
    return decisions.stream()
        .sorted(Comparator.comparing(ScalingDecision::time).reversed())
        .limit(limit)
        .toList();
  }
}
