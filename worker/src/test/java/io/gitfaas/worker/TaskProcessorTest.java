package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.callback.InMemoryCallbackQueue;
import io.gitfaas.config.Settings;
import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.store.Admission;
import io.gitfaas.store.InMemoryResultStore;
import io.gitfaas.store.InMemoryTaskStore;
import io.gitfaas.store.Versioned;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.task.UserKey;
import io.gitfaas.worker.TaskConsumer.Delivery;
import io.gitfaas.worker.TaskProcessor.Disposition;
import io.gitfaas.worker.fair.FairShare;
import io.gitfaas.worker.fair.InMemoryFairShare;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.Reasons;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redelivery rules, with in-memory stores: what a worker does with a task for each state its
 * record is in and each delivery count, and what it answers the consumer.
 */
class TaskProcessorTest {
  static final String OWNER = "ann@example.com";
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final TaskLimits LIMITS =
      Settings.fromEnv(Map.of(), Settings.Service.WORKER).limits(); // 3 attempts, 20 min TTL

  @TempDir Path workDir;
  final InMemoryTaskStore tasks = new InMemoryTaskStore();
  InMemoryResultStore results = new InMemoryResultStore();
  final Admission admission = Admission.inMemory();
  final AtomicInteger runs = new AtomicInteger();
  final List<UUID> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
  final CancelRequests cancels = new CancelRequests();
  final InMemoryCallbackQueue callbacks = new InMemoryCallbackQueue();
  TaskPipeline pipeline =
      (task, ws, cancellation) -> {
        runs.incrementAndGet();
        return new Outcome.Builder().exit(0, null).build();
      };

  TaskProcessor processor() {
    return new TaskProcessor(
        tasks,
        results,
        admission,
        (task, ws, cancellation) -> pipeline.execute(task, ws, cancellation),
        new Reasons(LIMITS, 1L << 30),
        LIMITS,
        workDir,
        Clock.fixed(NOW, ZoneOffset.UTC),
        new TaskExecutor.Live() {
          @Override
          public io.gitfaas.worker.sandbox.OutputListener listener(
              TaskRequest task, String stream) {
            return bytes -> {};
          }

          @Override
          public void end(TaskRequest task) {
            // The record is final by the time followers are told.
            assertThat(tasks.get(OWNER, task.taskId()).orElseThrow().value().isTerminal()).isTrue();
            ended.add(task.taskId());
          }
        },
        cancels,
        callbacks,
        fairShare);
  }

  /** The queue's tasks per user, as the fair share reads them: set by a test. */
  final Map<String, Long> inQueue = new java.util.HashMap<>();

  final InMemoryFairShare fairShare =
      new InMemoryFairShare(() -> Map.copyOf(inQueue), Clock.fixed(NOW, ZoneOffset.UTC));

  /** The revision each submitted task's record was created at, as its message carries it. */
  final Map<UUID, Long> enqueuedAt = new java.util.HashMap<>();

  /** A submitted task, created {@code ago} before now. */
  TaskRequest submitted(Duration ago) {
    TaskRequest request =
        new TaskRequest(
            UUID.randomUUID(), OWNER, "https://x/y.git", null, List.of(), NOW.minus(ago));
    enqueuedAt.put(request.taskId(), tasks.create(OWNER, TaskRecord.pending(request)).revision());
    admission.admit(OWNER, request.taskId(), 80, id -> Admission.Found.ACTIVE, NOW);
    return request;
  }

  /**
   * The task's {@code count}-th delivery, with the revision its message was enqueued with (none for
   * a task the test recorded itself).
   */
  Delivery delivery(TaskRequest r, long count) {
    return new Delivery(
        count,
        FairShare.BEHIND_UNKNOWN,
        enqueuedAt.getOrDefault(r.taskId(), Delivery.REVISION_UNKNOWN));
  }

  TaskRecord record(TaskRequest r) {
    return tasks.get(OWNER, r.taskId()).orElseThrow().value();
  }

  /** The record as a worker that then died left it. */
  void claimedBy(TaskRequest r, int attempt) throws Exception {
    Versioned<TaskRecord> current = tasks.get(OWNER, r.taskId()).orElseThrow();
    tasks.update(OWNER, current, current.value().executing(NOW, attempt));
  }

  @Test
  void aNewTaskRunsAndIsAcknowledgedAfterItsStatus() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(runs.get()).isEqualTo(1);
    assertThat(record(r).status()).isEqualTo(TaskStatus.FINISHED);
    assertThat(record(r).attempt()).isEqualTo(1);
    assertThat(results.size(OWNER, r.taskId(), 1)).isPresent();
    assertThat(record(r).resultBytes()).isEqualTo(results.size(OWNER, r.taskId(), 1).getAsLong());
    assertThat(admission.active(OWNER)).doesNotContain(r.taskId());
    assertThat(ended).containsExactly(r.taskId());
  }

  @Test
  void aTaskIsClaimedOnTheRevisionItsMessageCarriesWithoutReadingItsRecordFirst() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    long before = tasks.reads();
    var readBeforeTheRun = new java.util.concurrent.atomic.AtomicLong(-1);
    pipeline =
        (task, ws, cancellation) -> {
          readBeforeTheRun.set(tasks.reads() - before);
          return new Outcome.Builder().exit(0, null).build();
        };

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(readBeforeTheRun).hasValue(0);
    assertThat(record(r).status()).isEqualTo(TaskStatus.FINISHED);
    assertThat(record(r).attempt()).isEqualTo(1);
  }

  @Test
  void aTaskWhoseMessageCarriesNoRevisionIsReadThenClaimed() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    enqueuedAt.remove(r.taskId()); // a message from a frontend that did not send it

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(record(r).status()).isEqualTo(TaskStatus.FINISHED);
    assertThat(record(r).attempt()).isEqualTo(1);
  }

  @Test
  void aResultPastTheUsersQuotaIsNotKeptAndTheTaskSaysWhy() throws Exception {
    // Results the user keeps already: the whole quota.
    TaskRequest earlier = submitted(Duration.ofMinutes(1));
    var stored = tasks.get(OWNER, earlier.taskId()).orElseThrow();
    var running = tasks.update(OWNER, stored, stored.value().executing(NOW, 1));
    tasks.update(
        OWNER,
        running,
        running
            .value()
            .finished(TaskStatus.FINISHED, NOW, 0, null, null, LIMITS.userResultQuota(), null));
    TaskRequest r = submitted(Duration.ofSeconds(1));
    printing("the answer is 42\n", "x".repeat(10_000));

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(record(r).status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(record(r).reason()).contains("was not kept").contains("USER_RESULT_QUOTA");
    assertThat(record(r).resultBytes()).isNull();
    assertThat(results.size(OWNER, r.taskId(), 1)).isEmpty();
    assertThat(admission.active(OWNER)).doesNotContain(r.taskId());
    // What the program printed first is in the record, since no zip holds it.
    assertThat(record(r).outputHeads().stdout()).isEqualTo("the answer is 42\n");
    assertThat(record(r).outputHeads().stderr())
        .hasSize(TaskRecord.OutputHeads.MAX_BYTES)
        .matches("x+");
  }

  @Test
  void aKeptResultLeavesTheOutputInTheZipAlone() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    printing("in the zip\n", "");

    processor().process(r, delivery(r, 1));
    assertThat(record(r).outputHeads()).isNull();
  }

  /** The pipeline prints {@code stdout} and {@code stderr}, as a program would. */
  void printing(String stdout, String stderr) {
    pipeline =
        (task, ws, cancellation) -> {
          java.nio.file.Files.writeString(ws.stdout(), stdout);
          java.nio.file.Files.writeString(ws.stderr(), stderr);
          return new Outcome.Builder().exit(0, null).build();
        };
  }

  @Test
  void aTaskThatAskedForACallbackQueuesItWithItsFinalRecord() throws Exception {
    TaskRequest plain = submitted(Duration.ofSeconds(1));
    TaskRequest request =
        new TaskRequest(
            UUID.randomUUID(),
            OWNER,
            "https://x/y.git",
            null,
            List.of(),
            NOW,
            "https://hook/x",
            null);
    tasks.create(OWNER, TaskRecord.pending(request));
    admission.admit(OWNER, request.taskId(), 80, id -> Admission.Found.ACTIVE, NOW);

    processor().process(plain, delivery(plain, 1));
    processor().process(request, delivery(request, 1));
    assertThat(callbacks.queued()).hasSize(1);
    var callback = callbacks.queued().get(0);
    assertThat(callback.url()).isEqualTo("https://hook/x");
    assertThat(callback.owner()).isEqualTo(OWNER);
    assertThat(callback.record()).isEqualTo(record(request));
    assertThat(callback.record().status()).isEqualTo(TaskStatus.FINISHED);
  }

  @Test
  void everyLineAboutATaskNamesItItsUserAndTheRequestThatMadeIt() throws Exception {
    TaskRequest request =
        new TaskRequest(
            UUID.randomUUID(), OWNER, "https://x/y.git", null, List.of(), NOW, null, "req-42");
    tasks.create(OWNER, TaskRecord.pending(request));
    admission.admit(OWNER, request.taskId(), 80, id -> Admission.Found.ACTIVE, NOW);
    Map<String, String> seen = new java.util.HashMap<>();
    pipeline =
        (task, ws, cancellation) -> {
          seen.putAll(org.slf4j.MDC.getCopyOfContextMap());
          return new Outcome.Builder().exit(0, null).build();
        };

    processor().process(request, delivery(request, 1));
    assertThat(seen)
        .containsEntry("taskId", request.taskId().toString())
        .containsEntry("user", io.gitfaas.task.UserKey.of(OWNER))
        .containsEntry("requestId", "req-42");
    assertThat(record(request).requestId()).isEqualTo("req-42");
    assertThat(org.slf4j.MDC.getCopyOfContextMap()).isNullOrEmpty(); // nothing left for the next
  }

  @Test
  void aTaskCancelledBeforeItsWorkerClaimedItNeverRuns() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    cancels.heard(r.taskId()); // the signal came while the message was on its way

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(runs.get()).isZero();
    assertThat(record(r).status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(record(r).reason()).isEqualTo("cancelled by its owner");
    assertThat(admission.active(OWNER)).doesNotContain(r.taskId());
    assertThat(ended).containsExactly(r.taskId());
  }

  @Test
  void aRunningTaskCancelledStopsAndKeepsWhatItPrinted() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    pipeline =
        (task, ws, cancellation) -> {
          java.nio.file.Files.writeString(ws.stdout(), "partial\n");
          cancels.heard(task.taskId()); // the owner cancels while it runs
          assertThat(cancellation.isCancelled()).isTrue();
          // What the sandbox reports of a program it killed: it did not choose to end.
          return new Outcome.Builder().exit(137, 9).build();
        };

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(record(r).status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(record(r).reason()).isEqualTo("cancelled by its owner");
    assertThat(record(r).exitCode()).isEqualTo(137);
    var stdout = results.excerpt(OWNER, r.taskId(), 1, "stdout.txt", 100).orElseThrow();
    assertThat(new String(stdout.head(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("partial\n");
    // A later task of the same id would not be cancelled by this worker's registration.
    assertThat(cancels.register(UUID.randomUUID()).isCancelled()).isFalse();
  }

  @Test
  void aFullResultStoreEndsTheTaskWithAReasonInsteadOfRetrying() throws Exception {
    results = new InMemoryResultStore(10); // no zip fits
    TaskRequest r = submitted(Duration.ofSeconds(1));
    printing("", "disk full?\n");

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(record(r).status()).isEqualTo(TaskStatus.UNEXPECTED_ERRORS);
    assertThat(record(r).reason())
        .contains("could not be kept")
        .contains("RESULTS_STORE_MAX_BYTES");
    assertThat(record(r).exitCode()).isZero();
    assertThat(record(r).outputHeads().stderr()).isEqualTo("disk full?\n");
    assertThat(admission.active(OWNER)).doesNotContain(r.taskId());
    assertThat(ended).containsExactly(r.taskId());
  }

  @Test
  void aTaskWhoseWorkerDiedRunsAgainAsTheNextAttempt() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    claimedBy(r, 1);

    assertThat(processor().process(r, delivery(r, 2))).isEqualTo(Disposition.ACK);
    assertThat(record(r).status()).isEqualTo(TaskStatus.FINISHED);
    assertThat(record(r).attempt()).isEqualTo(2);
    assertThat(results.size(OWNER, r.taskId(), 2)).isPresent();
  }

  @Test
  void aTaskFinishedBeforeItsAcknowledgementIsOnlyAcknowledged() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    processor().process(r, delivery(r, 1));

    assertThat(processor().process(r, delivery(r, 2))).isEqualTo(Disposition.ACK);
    assertThat(runs.get()).isEqualTo(1);
    assertThat(ended).containsExactly(r.taskId()); // told once, when it ended
  }

  @Test
  void aTaskWithoutARecordIsDroppedAndReleased() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    tasks.delete(OWNER, r.taskId());

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(runs.get()).isZero();
    assertThat(admission.active(OWNER)).doesNotContain(r.taskId());
  }

  @Test
  void aUserWhoRunsMoreLetsAnotherUsersWaitingTaskGoFirst() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    String other = UserKey.of("bob@example.com");
    try (var running = fairShare.started(OWNER, UUID.randomUUID())) {
      // Bob has one task queued and none running; this user runs one already.
      inQueue.put(UserKey.of(OWNER), 5L);
      inQueue.put(other, 1L);
      assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.YIELD);
      assertThat(runs.get()).isZero();
      assertThat(record(r).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(record(r).attempt()).isZero();

      // Bob's task runs now: shares are equal, so the task runs, on its first attempt although
      // this is its third delivery.
      var bobs = fairShare.started("bob@example.com", UUID.randomUUID());
      assertThat(processor().process(r, delivery(r, 3))).isEqualTo(Disposition.ACK);
      assertThat(record(r).attempt()).isEqualTo(1);
      bobs.close();
    }
    // While it ran it was counted, and it is no longer.
    assertThat(fairShare.running(OWNER)).isZero();
  }

  @Test
  void aUserAloneIsNeverHeldBack() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    try (var running = fairShare.started(OWNER, UUID.randomUUID())) {
      inQueue.put(UserKey.of(OWNER), 80L);
      assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    }
  }

  @Test
  void aTaskWhoseWorkersKeepDyingEndsAsThePlatformsFault() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    claimedBy(r, 3);

    assertThat(processor().process(r, delivery(r, 4))).isEqualTo(Disposition.ACK);
    assertThat(runs.get()).isZero();
    assertThat(record(r).status()).isEqualTo(TaskStatus.UNEXPECTED_ERRORS);
    assertThat(record(r).reason()).contains("TASK_MAX_ATTEMPTS");
    assertThat(results.size(OWNER, r.taskId(), 3)).isPresent();
  }

  @Test
  void aTaskThatWaitedPastItsTtlIsNotRunAndSaysWhy() throws Exception {
    TaskRequest r = submitted(LIMITS.ttl().plusSeconds(1));

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.ACK);
    assertThat(runs.get()).isZero();
    assertThat(record(r).status()).isEqualTo(TaskStatus.UNEXPECTED_ERRORS);
    assertThat(record(r).reason()).contains("expired", "TASK_TTL");
  }

  @Test
  void aFaultOfTheWorkerHandsTheTaskBack() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    pipeline =
        (task, ws, cancellation) -> {
          throw new IOException("disk full");
        };

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.HAND_BACK);
    assertThat(record(r).status()).isEqualTo(TaskStatus.PENDING);
    assertThat(record(r).reason()).contains("worker error", "disk full");
  }

  @Test
  void anAttemptThatLostItsTaskLeavesItAndKeepsNoResult() throws Exception {
    TaskRequest r = submitted(Duration.ofSeconds(1));
    // While this attempt runs, the task is handed to another worker (its lease ran out).
    pipeline =
        (task, ws, cancellation) -> {
          try {
            Versioned<TaskRecord> mine = tasks.get(OWNER, task.taskId()).orElseThrow();
            Versioned<TaskRecord> back =
                tasks.update(OWNER, mine, mine.value().requeued("its worker was lost"));
            tasks.update(OWNER, back, back.value().executing(NOW, 2));
          } catch (io.gitfaas.store.StaleRevisionException e) {
            throw new AssertionError(e);
          }
          return new Outcome.Builder().exit(0, null).build();
        };

    assertThat(processor().process(r, delivery(r, 1))).isEqualTo(Disposition.LEAVE);
    assertThat(record(r).status()).isEqualTo(TaskStatus.EXECUTING);
    assertThat(record(r).attempt()).isEqualTo(2);
    assertThat(results.size(OWNER, r.taskId(), 1)).isEmpty();
  }
}
