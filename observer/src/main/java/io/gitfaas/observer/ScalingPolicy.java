package io.gitfaas.observer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How many workers the queue needs, as a pure function of recent samples. Like KEDA's NATS
 * JetStream scaler the desired count follows the lag proportionally (ceil(lag / target per
 * worker)), clamped to MIN_WORKERS..MAX_WORKERS. Up at once, in one step; down only after the lag
 * stayed low for the stabilization window, one worker at a time, never below the busy ones.
 */
public final class ScalingPolicy {
  /** Consecutive samples over the threshold that make the system CONGESTED. */
  public static final int CONGESTED_AFTER = 3;

  private final int minWorkers;
  private final int maxWorkers;
  private final int tasksPerWorker;
  private final int congestionThreshold;
  private final Duration stabilization;

  public ScalingPolicy(
      int minWorkers,
      int maxWorkers,
      int tasksPerWorker,
      int congestionThreshold,
      Duration stabilization) {
    this.minWorkers = minWorkers;
    this.maxWorkers = maxWorkers;
    this.tasksPerWorker = Math.max(1, tasksPerWorker);
    this.congestionThreshold = congestionThreshold;
    this.stabilization = stabilization;
  }

  /** The decision: how many workers, why, and whether the system is congested. */
  public record Decision(int current, int desired, int busy, boolean congested, String reason) {
    public boolean changes() {
      return desired != current;
    }
  }

  /**
   * @param history samples, oldest first, the newest last; at least one
   * @param current workers running now
   * @param busy workers holding a task now
   */
  public Decision decide(List<QueueSample> history, int current, int busy) {
    QueueSample now = history.get(history.size() - 1);
    long lag = now.pending() + now.inFlight();
    int wanted = clamp((int) Math.ceil((double) lag / tasksPerWorker));
    boolean congested = congested(history);
    if (current < minWorkers) {
      return new Decision(current, minWorkers, busy, congested, "below MIN_WORKERS");
    }
    if (wanted > current) {
      return new Decision(
          current,
          wanted,
          busy,
          congested,
          "lag " + lag + " needs " + wanted + " workers at " + tasksPerWorker + " task(s) each");
    }
    if (current > maxWorkers) {
      return new Decision(current, maxWorkers, busy, congested, "above MAX_WORKERS");
    }
    if (wanted < current && lowSince(history, current, now.at())) {
      int next = Math.max(Math.max(current - 1, wanted), Math.max(busy, minWorkers));
      if (next < current) {
        return new Decision(
            current,
            next,
            busy,
            congested,
            "lag " + lag + " stayed below " + current + " workers' worth for " + stabilization);
      }
    }
    return new Decision(current, current, busy, congested, "steady");
  }

  /** CONGESTED: pending over the threshold in each of the last three samples. */
  public boolean congested(List<QueueSample> history) {
    if (history.size() < CONGESTED_AFTER) {
      return false;
    }
    return history.subList(history.size() - CONGESTED_AFTER, history.size()).stream()
        .allMatch(s -> s.pending() > congestionThreshold);
  }

  /** Whether every sample of the stabilization window wanted fewer workers than there are. */
  private boolean lowSince(List<QueueSample> history, int current, Instant now) {
    Instant since = now.minus(stabilization);
    if (history.get(0).at().isAfter(since)) {
      return false; // not enough history to cover the window yet
    }
    return history.stream()
        .filter(s -> !s.at().isBefore(since))
        .allMatch(
            s ->
                clamp((int) Math.ceil((double) (s.pending() + s.inFlight()) / tasksPerWorker))
                    < current);
  }

  private int clamp(int n) {
    return Math.max(minWorkers, Math.min(maxWorkers, n));
  }
}
