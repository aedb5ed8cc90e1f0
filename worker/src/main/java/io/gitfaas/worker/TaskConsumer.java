package io.gitfaas.worker;

import io.gitfaas.concurrent.DaemonThreads;
import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.nats.PullLoop;
import io.gitfaas.store.NatsTaskQueue;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.worker.TaskProcessor.Disposition;
import io.gitfaas.worker.fair.FairShare;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls tasks from the work queue, one loop per concurrent slot. A loop survives any one bad
 * message or NATS hiccup. While a task runs its lease is extended, so JetStream redelivers it only
 * when this worker is really gone.
 */
public final class TaskConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(TaskConsumer.class);
  private static final Duration HAND_BACK_DELAY = Duration.ofSeconds(2);

  private final Connection connection;
  private final Handler processor;
  private final Consumer<Error> onFatal;
  private final int concurrency;
  private final Duration lease;
  private final ScheduledExecutorService leases =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("lease-keeper"));
  private final List<PullLoop> loops = new ArrayList<>();

  /** What is done with each message; {@link TaskProcessor} in a worker. */
  @FunctionalInterface
  public interface Handler {
    Disposition process(TaskRequest request, Delivery delivery) throws InterruptedException;
  }

  /**
   * One hand-out of a task's message.
   *
   * @param count how often the queue has handed the task out, this time included
   * @param queuedBehind how many tasks the queue held behind it (JetStream's pending count)
   * @param recordRevision the revision of the PENDING record the task was enqueued with, or {@link
   *     #REVISION_UNKNOWN}
   */
  public record Delivery(long count, long queuedBehind, long recordRevision) {
    /** No revision came with the message: the record is read before the claim. */
    public static final long REVISION_UNKNOWN = 0;

    /** The revision in the message's header, or {@link #REVISION_UNKNOWN}. */
    static long revisionOf(Message msg) {
      String value =
          msg.hasHeaders() ? msg.getHeaders().getFirst(NatsTaskQueue.RECORD_REVISION) : null;
      try {
        return value == null ? REVISION_UNKNOWN : Math.max(REVISION_UNKNOWN, Long.parseLong(value));
      } catch (NumberFormatException e) {
        return REVISION_UNKNOWN;
      }
    }
  }

  /**
   * @param onFatal called with an Error (out of memory, a broken class) that reached a loop: the
   *     process is in no state to go on, and must end so that it is replaced
   */
  public TaskConsumer(
      Connection connection,
      Handler processor,
      int concurrency,
      Duration lease,
      Consumer<Error> onFatal) {
    this.connection = connection;
    this.processor = processor;
    this.onFatal = onFatal;
    this.concurrency = concurrency;
    this.lease = lease;
  }

  /** Whether every task loop is alive. */
  public boolean running() {
    return !loops.isEmpty() && loops.stream().allMatch(l -> l.thread().isAlive());
  }

  public void start() {
    for (int i = 0; i < concurrency; i++) {
      loops.add(
          new PullLoop(
                  connection,
                  NatsTopology.TASK_STREAM,
                  NatsTopology.WORKER_CONSUMER,
                  "task-loop-" + i,
                  this::handle,
                  onFatal)
              .start());
    }
  }

  /**
   * Stops pulling, lets running tasks finish for up to {@code grace}, then interrupts them: they
   * are handed back to the queue for another worker.
   */
  public void stop(Duration grace) throws InterruptedException {
    loops.forEach(PullLoop::stop);
    long deadline = System.nanoTime() + grace.toNanos();
    for (PullLoop loop : loops) {
      loop.thread().join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    for (PullLoop loop : loops) {
      if (loop.thread().isAlive()) {
        loop.thread().interrupt();
      }
    }
    for (PullLoop loop : loops) {
      loop.thread().join(10_000);
    }
    leases.shutdownNow();
  }

  /** Reads the task, runs it while its lease is kept, and settles the message. */
  private void handle(Message msg) throws InterruptedException {
    TaskRequest request;
    try {
      request = Json.read(msg.getData(), TaskRequest.class);
    } catch (RuntimeException e) {
      LOG.error("dropping an unreadable task message: {}", e.toString());
      msg.term();
      return;
    }
    long every = Math.max(100, lease.toMillis() / 3);
    ScheduledFuture<?> keeper =
        leases.scheduleAtFixedRate(msg::inProgress, every, every, TimeUnit.MILLISECONDS);
    Disposition disposition;
    try {
      disposition =
          processor.process(
              request,
              new Delivery(
                  msg.metaData().deliveredCount(),
                  msg.metaData().pendingCount(),
                  Delivery.revisionOf(msg)));
    } catch (InterruptedException e) {
      msg.nak();
      throw e;
    } catch (RuntimeException e) {
      LOG.error("task {} failed in the worker; handing it back", request.taskId(), e);
      disposition = Disposition.HAND_BACK;
    } finally {
      keeper.cancel(false);
    }
    switch (disposition) {
      case ACK -> msg.ack();
      case HAND_BACK -> msg.nakWithDelay(HAND_BACK_DELAY);
      case YIELD -> msg.nakWithDelay(FairShare.YIELD_DELAY);
      case LEAVE -> {}
    }
  }
}
