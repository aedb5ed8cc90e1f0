package io.gitfaas.worker.fair;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FairSharePolicyTest {
  static final Instant T1 = Instant.parse("2026-11-27T10:00:00Z");
  static final Instant T2 = T1.plusSeconds(1);

  @Test
  void aUserWithABacklogLetsAUserWithOneWaitingTaskGoFirst() {
    // A runs 3 and has 77 more queued; B has one queued and runs none.
    var inQueue = Map.of("a", 80L, "b", 1L);
    assertThat(FairSharePolicy.shouldYield("a", inQueue, Map.of("a", 3), Map.of("a", T1))).isTrue();
    // B's task is never held back.
    assertThat(FairSharePolicy.shouldYield("b", inQueue, Map.of("a", 3), Map.of("a", T1)))
        .isFalse();
  }

  @Test
  void withOneSlotTheUserServedLongestAgoGoesFirst() {
    // Nobody runs anything at the moment a slot frees: A was served at T2, B never.
    var inQueue = Map.of("a", 7L, "b", 1L);
    assertThat(FairSharePolicy.shouldYield("a", inQueue, Map.of(), Map.of("a", T2))).isTrue();
    assertThat(FairSharePolicy.shouldYield("b", inQueue, Map.of(), Map.of("a", T2))).isFalse();
    // Both with backlogs take turns: B served at T1, A at T2, so B's turn.
    var both = Map.of("a", 7L, "b", 7L);
    assertThat(FairSharePolicy.shouldYield("a", both, Map.of(), Map.of("a", T2, "b", T1))).isTrue();
    assertThat(FairSharePolicy.shouldYield("b", both, Map.of(), Map.of("a", T2, "b", T1)))
        .isFalse();
  }

  @Test
  void tasksThatAreRunningAreNotWaitingOnes() {
    // B's only task runs: nobody waits but A, who may use every free slot.
    assertThat(
            FairSharePolicy.shouldYield(
                "a", Map.of("a", 80L, "b", 1L), Map.of("a", 3, "b", 1), Map.of("a", T2, "b", T1)))
        .isFalse();
  }

  @Test
  void aUserAloneOrNewToTheQueueNeverYields() {
    assertThat(FairSharePolicy.shouldYield("a", Map.of("a", 80L), Map.of("a", 5), Map.of()))
        .isFalse();
    // Neither was served lately and both run nothing: queue order.
    assertThat(FairSharePolicy.shouldYield("a", Map.of("a", 5L, "b", 5L), Map.of(), Map.of()))
        .isFalse();
  }
}
