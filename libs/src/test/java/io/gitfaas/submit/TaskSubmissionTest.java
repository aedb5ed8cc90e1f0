package io.gitfaas.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.store.Admission;
import io.gitfaas.store.InMemoryTaskQueue;
import io.gitfaas.store.InMemoryTaskStore;
import io.gitfaas.submit.TaskSubmission.LimitReachedException;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Accepting a task, with in-memory stores: what is written, in which order, and what is undone. */
class TaskSubmissionTest {
  static final String OWNER = "ann@example.com";
  static final long QUOTA = 1000;

  final InMemoryTaskStore tasks = new InMemoryTaskStore();
  final InMemoryTaskQueue queue = new InMemoryTaskQueue();
  final Admission admission = Admission.inMemory();
  final TaskSubmission submission = new TaskSubmission(admission, tasks, queue, 2, QUOTA);

  static TaskRequest request() {
    return new TaskRequest(
        UUID.randomUUID(), OWNER, "https://x/y.git", null, List.of("a"), Instant.now());
  }

  @Test
  void aTaskIsRecordedThenEnqueuedWithItsRecordsRevision() throws Exception {
    TaskRequest request = request();

    TaskRecord record = submission.submit(request);

    assertThat(record.status()).isEqualTo(TaskStatus.PENDING);
    var stored = tasks.get(OWNER, request.taskId()).orElseThrow();
    assertThat(stored.value()).isEqualTo(TaskRecord.pending(request));
    assertThat(queue.waiting()).containsExactly(request);
    assertThat(queue.revisionOf(request.taskId())).hasValue(stored.revision());
    assertThat(admission.active(OWNER)).containsExactly(request.taskId());
  }

  @Test
  void aUserWhoseResultsHoldTheQuotaIsRefusedAndHoldsNoAdmissionAfter() throws Exception {
    // A finished task whose result holds the whole quota.
    TaskRequest earlier = request();
    var pending = tasks.create(OWNER, TaskRecord.pending(earlier));
    var running = tasks.update(OWNER, pending, pending.value().executing(Instant.now(), 1));
    tasks.update(
        OWNER,
        running,
        running.value().finished(TaskStatus.FINISHED, Instant.now(), 0, null, null, QUOTA, null));
    TaskRequest refused = request();

    assertThatThrownBy(() -> submission.submit(refused))
        .isInstanceOf(LimitReachedException.class)
        .hasMessageContaining("USER_RESULT_QUOTA");
    assertThat(admission.active(OWNER)).doesNotContain(refused.taskId());
    assertThat(tasks.get(OWNER, refused.taskId())).isEmpty();
    assertThat(queue.waiting()).isEmpty();
  }

  @Test
  void aUserAtTheActiveTaskLimitIsRefusedWithNothingWritten() throws Exception {
    submission.submit(request());
    submission.submit(request());
    TaskRequest third = request();

    assertThatThrownBy(() -> submission.submit(third))
        .isInstanceOf(LimitReachedException.class)
        .hasMessageContaining("2 active tasks");
    assertThat(tasks.get(OWNER, third.taskId())).isEmpty();
    assertThat(queue.waiting()).hasSize(2);
  }
}
