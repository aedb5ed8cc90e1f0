package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScalingPolicyTest {
  static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");
  final ScalingPolicy policy = new ScalingPolicy(3, 10, 1, 10, Duration.ofSeconds(30));

  /** A series sampled every 5 s: each entry is {pending, inFlight}. */
  static List<QueueSample> series(long[]... points) {
    List<QueueSample> out = new ArrayList<>();
    for (int i = 0; i < points.length; i++) {
      out.add(new QueueSample(T0.plusSeconds(5L * i), points[i][0], points[i][1], 0, 0));
    }
    return out;
  }

  @Test
  void burstScalesUpAtOnceInOneStep() {
    var d = policy.decide(series(new long[] {0, 0}, new long[] {40, 3}), 3, 3);
    assertThat(d.desired()).isEqualTo(10);
    assertThat(d.reason()).contains("lag 43");
  }

  @Test
  void desiredFollowsTheLagProportionally() {
    var perTwo = new ScalingPolicy(3, 10, 2, 10, Duration.ofSeconds(30));
    assertThat(perTwo.decide(series(new long[] {9, 0}), 3, 0).desired()).isEqualTo(5);
    assertThat(perTwo.decide(series(new long[] {2, 0}), 3, 0).desired()).isEqualTo(3);
  }

  @Test
  void neverBelowMinNorAboveMax() {
    assertThat(policy.decide(series(new long[] {0, 0}), 1, 0).desired()).isEqualTo(3);
    assertThat(policy.decide(series(new long[] {500, 0}), 3, 3).desired()).isEqualTo(10);
    assertThat(policy.decide(series(new long[] {0, 0}), 12, 0).desired()).isEqualTo(10);
  }

  @Test
  void downOnlyAfterTheWindowAndOneAtATime() {
    // Low for 25 s: not yet the 30 s window.
    var shortLow =
        series(
            new long[] {50, 10},
            new long[] {0, 1},
            new long[] {0, 1},
            new long[] {0, 1},
            new long[] {0, 1},
            new long[] {0, 1});
    assertThat(policy.decide(shortLow, 10, 1).desired()).isEqualTo(10);
    // Low for 30 s and more: one fewer.
    var longLow = new ArrayList<>(shortLow.subList(1, shortLow.size()));
    longLow.add(new QueueSample(T0.plusSeconds(30), 0, 1, 0, 0));
    longLow.add(new QueueSample(T0.plusSeconds(35), 0, 1, 0, 0));
    var d = policy.decide(longLow, 10, 1);
    assertThat(d.desired()).isEqualTo(9);
    assertThat(d.reason()).contains("stayed below");
  }

  @Test
  void neverBelowTheBusyWorkers() {
    List<QueueSample> low = new ArrayList<>();
    for (int i = 0; i <= 8; i++) {
      low.add(new QueueSample(T0.plusSeconds(5L * i), 0, 0, 0, 0));
    }
    assertThat(policy.decide(low, 6, 6).desired()).isEqualTo(6);
    assertThat(policy.decide(low, 6, 4).desired()).isEqualTo(5);
  }

  @Test
  void congestedAfterThreeSamplesOverTheThresholdAndOkWhenItFalls() {
    assertThat(policy.congested(series(new long[] {11, 0}, new long[] {11, 0}))).isFalse();
    assertThat(policy.congested(series(new long[] {11, 0}, new long[] {12, 0}, new long[] {30, 0})))
        .isTrue();
    assertThat(policy.congested(series(new long[] {11, 0}, new long[] {12, 0}, new long[] {10, 0})))
        .isFalse();
  }

  @Test
  void aRecordedBurstRisesAndDrainsBackToTheMinimum() {
    // 200 tasks arrive at once, ten workers drain about two tasks per sample each.
    int workers = 3;
    long pending = 200;
    List<QueueSample> history = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      long inFlight = Math.min(pending, workers);
      history.add(new QueueSample(T0.plusSeconds(5L * i), pending - inFlight, inFlight, 0, 0));
      var d = policy.decide(history, workers, (int) inFlight);
      workers = d.desired();
      counts.add(workers);
      pending = Math.max(0, pending - 2L * workers);
    }
    assertThat(counts.get(0)).isEqualTo(10);
    assertThat(counts.get(counts.size() - 1)).isEqualTo(3);
    for (int i = 1; i < counts.size(); i++) {
      assertThat(counts.get(i - 1) - counts.get(i)).as("step " + i).isLessThanOrEqualTo(1);
    }
  }
}
