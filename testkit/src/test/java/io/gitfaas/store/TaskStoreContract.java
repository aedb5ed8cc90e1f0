package io.gitfaas.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TaskStore} does, run against each implementation: the in-memory one needs no
 * services, the JetStream one a nats-server. Each test uses users of its own.
 */
abstract class TaskStoreContract {
  abstract TaskStore store();

  static String user() {
    return "u" + UUID.randomUUID() + "@example.com";
  }

  static TaskRecord pending(String owner, Instant created) {
    return TaskRecord.pending(
        new TaskRequest(UUID.randomUUID(), owner, "https://x/y.git", null, List.of("a"), created));
  }

  @Test
  void writesAreCompareAndSetOnTheRevision() throws Exception {
    String owner = user();
    Versioned<TaskRecord> v1 = store().create(owner, pending(owner, Instant.now()));
    Versioned<TaskRecord> v2 = store().update(owner, v1, v1.value().executing(Instant.now(), 1));
    assertThat(v2.revision()).isGreaterThan(v1.revision());
    // A second writer still holding the first revision loses, and the record stays.
    assertThatThrownBy(() -> store().update(owner, v1, v1.value().executing(Instant.now(), 2)))
        .isInstanceOf(StaleRevisionException.class);
    assertThat(store().get(owner, v1.value().taskId()).orElseThrow().value().attempt())
        .isEqualTo(1);
  }

  @Test
  void theStatusRuleHoldsOnEveryUpdate() throws Exception {
    String owner = user();
    Versioned<TaskRecord> created = store().create(owner, pending(owner, Instant.now()));
    Versioned<TaskRecord> done =
        store()
            .update(
                owner,
                created,
                created.value().finished(TaskStatus.FINISHED, Instant.now(), 0, null, null));
    TaskRecord back =
        new TaskRecord(
            done.value().taskId(),
            TaskStatus.PENDING,
            "https://x/y.git",
            null,
            List.of(),
            done.value().createdAt(),
            null,
            null,
            null,
            null,
            null,
            0,
            null,
            null,
            null,
            null);
    assertThatThrownBy(() -> store().update(owner, done, back))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aTaskIsCreatedOnce() {
    String owner = user();
    TaskRecord record = pending(owner, Instant.now());
    store().create(owner, record);
    assertThatThrownBy(() -> store().create(owner, record)).isInstanceOf(StoreException.class);
  }

  @Test
  void usersSeeOnlyTheirOwnTasksNewestFirst() {
    String alice = user();
    String bob = user();
    TaskRecord older = pending(alice, Instant.now().minusSeconds(10));
    TaskRecord newer = pending(alice, Instant.now());
    store().create(alice, older);
    store().create(alice, newer);
    store().create(bob, pending(bob, Instant.now()));

    assertThat(store().list(alice))
        .extracting(TaskRecord::taskId)
        .containsExactly(newer.taskId(), older.taskId());
    assertThat(store().get(bob, older.taskId())).isEmpty();
    assertThat(store().getJson(alice, older.taskId())).isPresent();
    store().delete(alice, older.taskId());
    assertThat(store().get(alice, older.taskId())).isEmpty();
    assertThat(store().list(alice)).hasSize(1);
  }

  /** A task of the user's, ended now with a kept result of {@code bytes}. */
  Versioned<TaskRecord> finishedWith(String owner, long bytes) throws Exception {
    Versioned<TaskRecord> v = store().create(owner, pending(owner, Instant.now()));
    v = store().update(owner, v, v.value().executing(Instant.now(), 1));
    return store()
        .update(
            owner,
            v,
            v.value().finished(TaskStatus.FINISHED, Instant.now(), 0, null, null, bytes, null));
  }

  @Test
  void resultBytesFollowTheRecordsThatKeepResults() throws Exception {
    String owner = user();
    assertThat(store().resultBytes(owner)).isZero();
    Versioned<TaskRecord> small = finishedWith(owner, 1000);
    finishedWith(owner, 2500);
    store().create(owner, pending(owner, Instant.now())); // no result yet: nothing held
    assertThat(store().resultBytes(owner)).isEqualTo(3500);
    assertThat(store().resultBytes(user())).isZero();
    // The figure is no task: lists show the three records alone.
    assertThat(store().list(owner)).hasSize(3);

    store().delete(owner, small.value().taskId());
    assertThat(store().resultBytes(owner)).isEqualTo(2500);
    assertThat(store().list(owner)).hasSize(2);
  }

  @Test
  void aWatchSendsTheTasksThenEveryChange() throws Exception {
    String owner = user();
    Versioned<TaskRecord> first = store().create(owner, pending(owner, Instant.now()));
    List<String> seen = new CopyOnWriteArrayList<>();
    try (AutoCloseable watch =
        store()
            .watch(
                owner,
                new TaskStore.TaskListener() {
                  @Override
                  public void changed(TaskRecord task) {
                    seen.add(task.status() + " " + task.taskId());
                  }

                  @Override
                  public void removed(String taskId) {
                    seen.add("removed " + taskId);
                  }

                  @Override
                  public void caughtUp() {
                    seen.add("caught up");
                  }
                })) {
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("caught up"));
      String id = first.value().taskId().toString();
      store().update(owner, first, first.value().executing(Instant.now(), 1));
      // A record keeps its latest state only: a change overtaken before the watch saw it may be
      // skipped, so each change is awaited before the next.
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("EXECUTING " + id));
      store().delete(owner, first.value().taskId());
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("removed " + id));
      assertThat(seen)
          .containsExactly("PENDING " + id, "caught up", "EXECUTING " + id, "removed " + id);
    }
  }
}
