package io.gitfaas.worker;

import io.gitfaas.callback.CallbackQueue;
import io.gitfaas.concurrent.Futures;
import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.store.Admission;
import io.gitfaas.store.ResultStore;
import io.gitfaas.store.StaleRevisionException;
import io.gitfaas.store.StoreFullException;
import io.gitfaas.store.TaskStore;
import io.gitfaas.store.Versioned;
import io.gitfaas.submit.TaskCancellation;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.task.UserKey;
import io.gitfaas.worker.fair.FairShare;
import io.gitfaas.worker.result.Limit;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.Reasons;
import io.gitfaas.worker.result.ResultJson;
import io.gitfaas.worker.result.ResultZip;
import io.gitfaas.worker.sandbox.Cancellation;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Takes one queue message through its task's life: claim the task (compare-and-set), run it, store
 * the zip, write the terminal status, and only then acknowledge. A worker that dies at any point
 * leaves the message to be redelivered; the status tells the next worker where it stands.
 */
public final class TaskProcessor implements TaskConsumer.Handler {
  private static final Logger LOG = LoggerFactory.getLogger(TaskProcessor.class);

  private final TaskStore tasks;
  private final ResultStore results;
  private final Admission admission;
  private final TaskPipeline executor;
  private final Reasons reasons;
  private final TaskLimits limits;
  private final Path workDir;
  private final Clock clock;
  private final TaskExecutor.Live live;
  private final CancelRequests cancels;
  private final CallbackQueue callbacks;
  private final FairShare fairShare;

  public TaskProcessor(
      TaskStore tasks,
      ResultStore results,
      Admission admission,
      TaskPipeline executor,
      Reasons reasons,
      TaskLimits limits,
      Path workDir,
      Clock clock,
      TaskExecutor.Live live,
      CancelRequests cancels,
      CallbackQueue callbacks,
      FairShare fairShare) {
    this.fairShare = fairShare;
    this.tasks = tasks;
    this.results = results;
    this.admission = admission;
    this.executor = executor;
    this.reasons = reasons;
    this.limits = limits;
    this.workDir = workDir;
    this.clock = clock;
    this.live = live;
    this.cancels = cancels;
    this.callbacks = callbacks;
    // Every series exported from the start, at zero: a dashboard's query finds it before it moves.
    for (TaskStatus status : TaskStatus.values()) {
      if (status.isTerminal()) {
        Metrics.counter("gitfaas.tasks.ended", "status", status.name());
      }
    }
    for (Limit limit : Limit.values()) {
      Metrics.counter("gitfaas.task.limits", "limit", limit.setting());
    }
    Metrics.counter("gitfaas.sandbox.starts");
    Metrics.counter("gitfaas.tasks.yielded");
    for (String kind : List.of("clone", "build")) {
      for (String result : List.of("hit", "miss")) {
        Metrics.counter("gitfaas.cache.lookups", "kind", kind, "result", result);
      }
    }
  }

  /** What to do with the task's message once processing ends. */
  public enum Disposition {
    ACK,
    HAND_BACK,
    /** Another worker owns the task now: its message is not ours to settle. */
    LEAVE,
    /** Another user's tasks go first: the task waits a moment, never claimed (see FairShare). */
    YIELD
  }

  /** Takes the task through its life; the consumer settles the message as the answer says. */
  @Override
  public Disposition process(TaskRequest request, TaskConsumer.Delivery delivery)
      throws InterruptedException {
    // Every line about the task names it, its user and the request that created it.
    MDC.put("taskId", request.taskId().toString());
    MDC.put("user", UserKey.of(request.owner()));
    if (request.requestId() != null) {
      MDC.put("requestId", request.requestId());
    }
    try {
      return processInContext(request, delivery);
    } finally {
      MDC.clear();
    }
  }

  private Disposition processInContext(TaskRequest request, TaskConsumer.Delivery delivery)
      throws InterruptedException {
    // Sharing first: with many users waiting most deliveries yield, and a yield needs no record.
    if (fairShare.shouldYield(request.owner(), delivery.queuedBehind())) {
      LOG.debug("task {} lets another user's tasks go first", request.taskId());
      Metrics.counter("gitfaas.tasks.yielded").increment();
      return Disposition.YIELD;
    }
    // Listening for a cancellation before the claim: one sent once the record says EXECUTING
    // finds the task here.
    Cancellation cancellation = cancels.register(request.taskId());
    try {
      Duration waited = Duration.between(request.createdAt(), clock.instant());
      if (delivery.recordRevision() != TaskConsumer.Delivery.REVISION_UNKNOWN
          && waited.compareTo(limits.ttl()) <= 0) {
        // The record as it was enqueued is known: claimed on that revision without reading it.
        // If anything changed it since (a cancellation, an earlier claim) the claim fails and the
        // record is read.
        Versioned<TaskRecord> enqueued =
            new Versioned<>(TaskRecord.pending(request), delivery.recordRevision());
        try {
          return run(request, claim(request, enqueued), cancellation);
        } catch (StaleRevisionException changed) {
          LOG.debug("task {} changed since it was enqueued; reading it", request.taskId());
        }
      }
      return readClaimAndRun(request, cancellation);
    } finally {
      cancels.unregister(request.taskId(), cancellation);
    }
  }

  private Disposition readClaimAndRun(TaskRequest request, Cancellation cancellation)
      throws InterruptedException {
    Optional<Versioned<TaskRecord>> found = tasks.get(request.owner(), request.taskId());
    if (found.isEmpty()) {
      LOG.warn(
          "task {} has no record (it expired after {}, or never existed); dropping it",
          request.taskId(),
          Duration.between(request.createdAt(), clock.instant()));
      admission.release(request.owner(), request.taskId());
      return Disposition.ACK;
    }
    Versioned<TaskRecord> current = found.get();
    if (current.value().isTerminal()) {
      // A worker finished it but died before acknowledging.
      admission.release(request.owner(), request.taskId());
      return Disposition.ACK;
    }
    try {
      Duration waited = Duration.between(request.createdAt(), clock.instant());
      if (current.value().status() == TaskStatus.PENDING && waited.compareTo(limits.ttl()) > 0) {
        Outcome expired =
            Outcome.failed(TaskStatus.UNEXPECTED_ERRORS, reasons.expired(waited), Limit.TTL);
        return finish(request, current, expired, null);
      }
      int attempt = current.value().attempt() + 1;
      if (attempt > limits.maxAttempts()) {
        Outcome gaveUp =
            Outcome.failed(
                TaskStatus.UNEXPECTED_ERRORS, reasons.workerLostEveryTime(), Limit.MAX_ATTEMPTS);
        return finish(request, current, gaveUp, null);
      }
      if (current.value().status() == TaskStatus.EXECUTING) {
        current =
            tasks.update(
                request.owner(),
                current,
                current
                    .value()
                    .requeued("its worker was lost; retrying (attempt " + attempt + ")"));
      }
      current = claim(request, current);
    } catch (StaleRevisionException e) {
      LOG.info("task {} was claimed elsewhere: {}", request.taskId(), e.getMessage());
      return Disposition.LEAVE;
    }
    return run(request, current, cancellation);
  }

  /** Marks a PENDING task EXECUTING by this worker, as its next attempt (compare-and-set). */
  private Versioned<TaskRecord> claim(TaskRequest request, Versioned<TaskRecord> pending)
      throws StaleRevisionException {
    // Attempts are counted at each claim (a task that let others go first was delivered more
    // often than it was tried).
    int attempt = pending.value().attempt() + 1;
    return tasks.update(
        request.owner(), pending, pending.value().executing(clock.instant(), attempt));
  }

  private Disposition run(
      TaskRequest request, Versioned<TaskRecord> claimed, Cancellation cancellation)
      throws InterruptedException {
    LOG.info("task {} started (attempt {})", request.taskId(), claimed.value().attempt());
    try (FairShare.Running counted = fairShare.started(request.owner(), request.taskId());
        Workspace ws = Workspace.create(workDir, request.taskId())) {
      Outcome outcome =
          cancellation.isCancelled()
              ? Outcome.failed(TaskStatus.FINISHED_ERRORS, TaskCancellation.REASON, null)
              : executor.execute(request, ws, cancellation);
      if (cancellation.isCancelled()) {
        outcome = outcome.endedBy(TaskCancellation.REASON);
      }
      outcome =
          outcome.queuedFor(
              Duration.between(request.createdAt(), claimed.value().startedAt()).toMillis());
      return finish(request, claimed, outcome, ws);
    } catch (InterruptedException e) {
      // Clear the flag for the hand-back's own NATS request, then pass the interruption on.
      Thread.interrupted();
      handBack(request, claimed, "its worker stopped; it will run on another worker");
      throw e;
    } catch (IOException | RuntimeException e) {
      LOG.error("task {} failed in the worker; handing it back", request.taskId(), e);
      handBack(request, claimed, "worker error (" + e.getMessage() + "); retrying");
      return Disposition.HAND_BACK;
    }
  }

  private Disposition finish(
      TaskRequest request, Versioned<TaskRecord> current, Outcome outcome, Workspace given)
      throws InterruptedException {
    long start = System.nanoTime();
    // The figure of the user's quota is read while the zip is written: neither waits for the other.
    CompletableFuture<Long> used = Futures.beside(() -> tasks.resultBytes(request.owner()));
    long zipped;
    TaskStatus status = outcome.status();
    String reason = outcome.reason();
    Long kept = null;
    TaskRecord.OutputHeads heads = null;
    try (Workspace ws = given != null ? null : Workspace.create(workDir, request.taskId())) {
      Workspace target = given != null ? given : ws;
      ResultZip.write(
          target.zip(),
          List.of(
              new ResultZip.TopLevel("stdout.txt", target.stdout()),
              new ResultZip.TopLevel("stderr.txt", target.stderr()),
              new ResultZip.TopLevel("build.log", target.buildLog())),
          target.output(),
          limits.resultMaxBytes(),
          truncated -> ResultJson.of(request, outcome, limits, truncated));
      zipped = System.nanoTime();
      long zip = Files.size(target.zip());
      long usedBytes = Futures.valueOf(used);
      try {
        // The result that takes the user past the quota is kept; once past it, none is.
        if (usedBytes >= limits.userResultQuota()) {
          status = TaskStatus.FINISHED_ERRORS;
          reason = reasons.overResultQuota(usedBytes, zip);
          heads = target.outputHeads();
        } else {
          results.put(request.owner(), request.taskId(), current.value().attempt(), target.zip());
          kept = zip;
        }
      } catch (StoreFullException full) {
        // Retrying would not help: the task ends, and says why it has no result.
        LOG.warn("task {}: {}", request.taskId(), full.getMessage());
        status = TaskStatus.UNEXPECTED_ERRORS;
        reason = reasons.resultNotKept(full.getMessage());
        heads = target.outputHeads();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    long stored = System.nanoTime();
    TaskRecord done =
        current
            .value()
            .finished(status, clock.instant(), outcome.exitCode(), reason, null, kept, heads);
    try {
      tasks.update(request.owner(), current, done);
    } catch (StaleRevisionException e) {
      LOG.warn("task {} changed while it ran; leaving it to its new owner", request.taskId());
      // This attempt's zip is nobody's: the record names the attempt that won.
      try {
        results.delete(request.owner(), request.taskId(), current.value().attempt());
      } catch (RuntimeException notRemoved) {
        LOG.info("task {}: a stale zip stays until it expires", request.taskId());
      }
      return Disposition.LEAVE;
    }
    long recorded = System.nanoTime();
    record(status, outcome);
    live.end(request);
    admission.release(request.owner(), request.taskId());
    // Sent by a sender of its own: a slow or failing receiver never holds this worker's slot.
    callbacks.queueIfAsked(request.owner(), done);
    LOG.info(
        "task {} {}{} (zip {} ms, store {} ms, status {} ms)",
        request.taskId(),
        status,
        reason == null ? "" : ": " + reason,
        (zipped - start) / 1_000_000,
        (stored - zipped) / 1_000_000,
        (recorded - stored) / 1_000_000);
    return Disposition.ACK;
  }

  /** Tasks by how they ended, the time of each phase, and the limits that stopped them. */
  private static void record(TaskStatus status, Outcome outcome) {
    outcome
        .timingsMs()
        .forEach(
            (phase, millis) ->
                Timer.builder("gitfaas.task.phase")
                    .description("time of each phase of a task: queued, clone, build, run")
                    .tag("phase", phase)
                    .publishPercentileHistogram()
                    .register(Metrics.globalRegistry)
                    .record(Duration.ofMillis(millis)));
    if (outcome.limitHit() != null) {
      Metrics.counter("gitfaas.task.limits", "limit", outcome.limitHit().setting()).increment();
    }
    // Last: a task counted as ended has its phases counted already.
    Metrics.counter("gitfaas.tasks.ended", "status", status.name()).increment();
  }

  private void handBack(TaskRequest request, Versioned<TaskRecord> claimed, String why) {
    try {
      tasks.update(request.owner(), claimed, claimed.value().requeued(why));
    } catch (StaleRevisionException | RuntimeException e) {
      LOG.warn("task {}: could not mark it pending again: {}", request.taskId(), e.toString());
    }
  }
}
