package io.gitfaas.system;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker count and queue over the last {@link #WINDOW}, one point per {@link #STEP}: what the
 * admin chart draws. A point keeps the highest lag seen in its step and the last worker count.
 */
public record SystemHistory(List<Point> points) {
  public static final Duration STEP = Duration.ofSeconds(10);
  public static final Duration WINDOW = Duration.ofHours(1);

  /** {@code at} is the start of the point's step. */
  public record Point(Instant at, int workers, long pending, long inFlight) {}

  public SystemHistory {
    points = points == null ? List.of() : List.copyOf(points);
  }

  public static SystemHistory empty() {
    return new SystemHistory(List.of());
  }

  /** This history with one more sample, and without what fell out of the window. */
  public SystemHistory with(Instant at, int workers, long pending, long inFlight) {
    Instant step = Instant.ofEpochMilli(at.toEpochMilli() - at.toEpochMilli() % STEP.toMillis());
    Instant oldest = step.minus(WINDOW);
    List<Point> out = new ArrayList<>();
    for (Point p : points) {
      if (p.at().isAfter(oldest) && p.at().isBefore(step)) {
        out.add(p);
      }
    }
    Point last = points.isEmpty() ? null : points.get(points.size() - 1);
    if (last != null && last.at().equals(step)) {
      out.add(
          new Point(
              step,
              workers,
              Math.max(last.pending(), pending),
              Math.max(last.inFlight(), inFlight)));
    } else {
      out.add(new Point(step, workers, pending, inFlight));
    }
    return new SystemHistory(out);
  }
}
