package io.gitfaas.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.json.Json;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SystemHistoryTest {
  static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

  @Test
  void samplesOfOneStepMergeKeepingTheHighestLagAndTheLastWorkerCount() {
    SystemHistory h =
        SystemHistory.empty()
            .with(T0.plusSeconds(1), 1, 5, 1)
            .with(T0.plusSeconds(4), 3, 2, 4)
            .with(T0.plusSeconds(9), 2, 0, 0);
    assertThat(h.points()).containsExactly(new SystemHistory.Point(T0, 2, 5, 4));
  }

  @Test
  void aNewStepStartsAPointAndTheWindowDropsTheOldest() {
    SystemHistory h = SystemHistory.empty();
    Instant at = T0;
    for (int i = 0; i < 400; i++) {
      h = h.with(at, 1, i, 0);
      at = at.plus(SystemHistory.STEP);
    }
    long steps = SystemHistory.WINDOW.dividedBy(SystemHistory.STEP);
    assertThat(h.points()).hasSize((int) steps);
    assertThat(h.points().get(h.points().size() - 1).pending()).isEqualTo(399);
    assertThat(Duration.between(h.points().get(0).at(), at))
        .isLessThanOrEqualTo(SystemHistory.WINDOW);
  }

  @Test
  void aSampleAfterAGapStartsAfresh() {
    SystemHistory h =
        SystemHistory.empty().with(T0, 1, 0, 0).with(T0.plus(Duration.ofHours(2)), 4, 1, 1);
    assertThat(h.points()).hasSize(1);
    assertThat(h.points().get(0).workers()).isEqualTo(4);
  }

  @Test
  void itSurvivesTheStore() {
    SystemHistory h = SystemHistory.empty().with(T0, 1, 2, 3);
    assertThat(Json.read(Json.write(h), SystemHistory.class)).isEqualTo(h);
  }
}
