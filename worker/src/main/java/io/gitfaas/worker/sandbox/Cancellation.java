package io.gitfaas.worker.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a task's owner took it back, and what stops the task's work when they do (the program the
 * sandbox runs registers its kill here while it runs).
 */
public final class Cancellation {
  /** For work no one can cancel. */
  public static final Cancellation NEVER = new Cancellation();

  private final List<Runnable> stops = new ArrayList<>();
  private boolean cancelled;

  public synchronized boolean isCancelled() {
    return cancelled;
  }

  /** Cancels: every registered stop runs, once. */
  public void cancel() {
    List<Runnable> now;
    synchronized (this) {
      if (cancelled || this == NEVER) {
        return;
      }
      cancelled = true;
      now = List.copyOf(stops);
      stops.clear();
    }
    now.forEach(Runnable::run);
  }

  /**
   * Runs {@code stop} if the work is cancelled before the returned handle is closed (at once if it
   * has been already).
   */
  public Registration whileRunning(Runnable stop) {
    synchronized (this) {
      if (!cancelled) {
        stops.add(stop);
        return () -> {
          synchronized (this) {
            stops.remove(stop);
          }
        };
      }
    }
    stop.run();
    return () -> {};
  }

  /** A registered stop, removed when the work it stops has ended. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
