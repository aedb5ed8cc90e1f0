package io.gitfaas.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What every {@link SystemStatusStore} does, run against each implementation. */
abstract class SystemStatusStoreContract {
  abstract SystemStatusStore store();

  @Test
  void theLatestStatusAndHistoryWin() {
    SystemStatusStore store = store();
    assertThat(store.history()).isEqualTo(SystemHistory.empty());
    Instant at = Instant.parse("2026-01-01T10:00:00Z");
    var first =
        new SystemStatus(
            SystemStatus.OK,
            new SystemStatus.Workers(1, 1, 0, 1, 4),
            new SystemStatus.Queue(0, 0, 0, 0),
            at);
    var second =
        new SystemStatus(
            SystemStatus.CONGESTED,
            new SystemStatus.Workers(1, 3, 1, 1, 4),
            new SystemStatus.Queue(40, 1, 0, 12),
            at.plusSeconds(2));
    store.publish(first);
    store.publish(second);
    assertThat(store.status()).contains(second);

    SystemHistory history =
        SystemHistory.empty().with(at, 1, 0, 0).with(at.plusSeconds(10), 3, 40, 1);
    store.publish(history);
    assertThat(store.history()).isEqualTo(history);
  }

  @Test
  void decisionsComeNewestFirstEvenWithinOneMillisecond() {
    SystemStatusStore store = store();
    Instant at = Instant.parse("2026-01-01T10:00:00.000100Z");
    var a = new ScalingDecision(at, 1, 2, "lag 10", 10, 1);
    var b = new ScalingDecision(at.plusNanos(300_000), 2, 3, "lag 20", 20, 2);
    var c = new ScalingDecision(at.plusSeconds(60), 3, 1, "idle", 0, 0);
    store.record(b);
    store.record(a);
    store.record(c);
    assertThat(store.decisions(10)).containsExactly(c, b, a);
    assertThat(store.decisions(2)).containsExactly(c, b);
  }
}
