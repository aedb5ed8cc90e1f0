package io.gitfaas.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.store.Admission.Found;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What admission does over any {@link Admission.Entries}, run against each: the limit holds, ended
 * and long-absent tasks are pruned, and two frontends sharing the entries never admit more than the
 * limit between them.
 */
abstract class AdmissionContract {
  /** Entries shared by every admission a test makes, as one bucket is by every frontend. */
  abstract Admission.Entries entries();

  static String user() {
    return "admit-" + UUID.randomUUID() + "@example.com";
  }

  @Test
  void prunesEndedAndLongAbsentTasksOnly() {
    Admission admission = new Admission(entries());
    String user = user();
    Instant now = Instant.now();
    UUID ended = UUID.randomUUID();
    UUID absentRecently = UUID.randomUUID();
    assertThat(admission.admit(user, ended, 2, id -> Found.ACTIVE, now)).isTrue();
    assertThat(admission.admit(user, absentRecently, 2, id -> Found.ACTIVE, now)).isTrue();
    assertThat(admission.admit(user, UUID.randomUUID(), 2, id -> Found.ACTIVE, now)).isFalse();
    // Full: the ended one is pruned, the recently admitted one without a record yet is kept.
    UUID third = UUID.randomUUID();
    assertThat(
            admission.admit(
                user, third, 2, id -> id.equals(ended) ? Found.ENDED : Found.ABSENT, now))
        .isTrue();
    assertThat(admission.active(user)).containsExactlyInAnyOrder(absentRecently, third);
    // Later, the one still without a record is past its grace and goes too.
    Instant later = now.plus(Admission.ABSENT_GRACE).plusSeconds(1);
    assertThat(admission.admit(user, UUID.randomUUID(), 2, id -> Found.ABSENT, later)).isTrue();
    assertThat(admission.active(user)).doesNotContain(absentRecently).hasSize(1);
  }

  @Test
  void releaseIsIdempotentAndUsersAreApart() {
    Admission admission = new Admission(entries());
    String alice = user();
    String bob = user();
    UUID task = UUID.randomUUID();
    assertThat(admission.admit(alice, task, 1, id -> Found.ACTIVE, Instant.now())).isTrue();
    assertThat(admission.admit(bob, UUID.randomUUID(), 1, id -> Found.ACTIVE, Instant.now()))
        .isTrue();
    admission.release(alice, task);
    admission.release(alice, task);
    admission.release(alice, UUID.randomUUID());
    assertThat(admission.active(alice)).isEmpty();
    assertThat(admission.active(bob)).hasSize(1);
  }

  @Test
  void twoFrontendsAdmitNoMoreThanTheLimitBetweenThem() throws Exception {
    // Each admission serializes its own callers; two of them race on the entries' revision.
    Admission first = new Admission(entries());
    Admission second = new Admission(entries());
    String user = user();
    int limit = 5;
    List<Callable<Boolean>> attempts = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      Admission admission = i % 2 == 0 ? first : second;
      attempts.add(
          () -> admission.admit(user, UUID.randomUUID(), limit, id -> Found.ACTIVE, Instant.now()));
    }
    var pool = Executors.newFixedThreadPool(8);
    try {
      int admitted = 0;
      for (Future<Boolean> f : pool.invokeAll(attempts)) {
        admitted += f.get() ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(limit);
      assertThat(first.active(user)).hasSize(limit);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSweepMarkHoldsAdmissionsBackUntilLiftedAndIsIgnoredOnceStale() throws Exception {
    Admission admission = new Admission(entries());
    String user = user();
    String key = io.gitfaas.task.UserKey.of(user);
    Instant now = Instant.now();
    long mark = admission.markSweep(key, now).orElseThrow();
    assertThat(admission.markSweep(key, now)).as("marked already").isEmpty();
    assertThat(admission.active(user)).isEmpty();

    var waiting =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> admission.admit(user, UUID.randomUUID(), 5, id -> Found.ACTIVE, now));
    admission.unmarkSweep(key, mark);
    assertThat(waiting.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(admission.markSweep(key, now)).as("the set holds a task").isEmpty();

    // A sweeper that died leaves its mark: past SWEEP_MARK, admissions go ahead and clear it.
    String other = user();
    admission.markSweep(io.gitfaas.task.UserKey.of(other), now).orElseThrow();
    Instant later = now.plus(Admission.SWEEP_MARK).plusSeconds(1);
    UUID task = UUID.randomUUID();
    assertThat(admission.admit(other, task, 1, id -> Found.ACTIVE, later)).isTrue();
    assertThat(admission.active(other)).containsExactly(task);
  }
}
