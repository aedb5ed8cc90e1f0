package io.gitfaas.frontend.api;

import io.gitfaas.concurrent.DaemonThreads;
import io.gitfaas.frontend.auth.Identity;
import io.gitfaas.store.TaskStore;
import io.gitfaas.task.TaskRecord;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Server-Sent Events routes: a user's tasks as they change, and a running task's output. {@link
 * #close()} ends every open stream, as the server stops.
 */
public final class StreamRoutes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);
  private static final Duration STATUS_CHECK = Duration.ofSeconds(5);

  private final OutputFeed output;
  private final StreamSlots slots;
  private final TaskStore tasks;
  private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("event-streams"));

  public StreamRoutes(OutputFeed output, TaskStore tasks, StreamSlots slots) {
    this.output = output;
    this.slots = slots;
    this.tasks = tasks;
  }

  /** Event streams open in this process, for the metrics (the gauge is registered once). */
  private static final java.util.concurrent.atomic.AtomicInteger OPEN_STREAMS =
      new java.util.concurrent.atomic.AtomicInteger();

  static {
    io.micrometer.core.instrument.Gauge.builder(
            "gitfaas.event.streams", OPEN_STREAMS, java.util.concurrent.atomic.AtomicInteger::get)
        .description("event streams open")
        .register(io.micrometer.core.instrument.Metrics.globalRegistry);
  }

  /**
   * A stream route: a slot reserved for the user first (429 when they hold their most), then the
   * stream's handler, which checks its request (a bad task id gets its 400 or 404, a client that
   * does not accept events 406, before any stream opens) and opens the stream, which takes the slot
   * over; a request that opened no stream gives the slot back.
   */
  public Handler route(Handler stream) {
    return ctx -> {
      slots.reserve(ctx);
      try {
        stream.handle(ctx);
      } finally {
        slots.releaseUnadopted(ctx);
      }
    };
  }

  @Override
  public void close() {
    List.copyOf(open).forEach(EventStream::close);
    timer.shutdownNow();
  }

  /** After the request's own checks (its 400 or 404 come first), a client asking for events. */
  private EventStream open(Context ctx) {
    String accept = ctx.header("Accept");
    if (accept == null || !accept.contains("text/event-stream")) {
      throw new ApiException(
          406, "this is an event stream: ask with Accept: text/event-stream (EventSource does)");
    }
    EventStream stream = EventStream.open(ctx, timer);
    open.add(stream);
    OPEN_STREAMS.incrementAndGet();
    stream.onClose(
        () -> {
          open.remove(stream);
          OPEN_STREAMS.decrementAndGet();
        });
    stream.onClose(slots.adopt(ctx));
    return stream;
  }

  /**
   * Events {@code task} (a task record) for every task of the user, then {@code ready}, then a
   * {@code task} for every change and {@code removed} ({@code {"taskId"}}) for every deletion. A
   * client that reconnects gets the whole list again.
   */
  public void streamTasks(Context ctx) {
    Identity user = Identities.of(ctx);
    EventStream stream = open(ctx);
    AutoCloseable watch;
    try {
      watch =
          tasks.watch(
              user.email(),
              new TaskStore.TaskListener() {
                @Override
                public void changed(TaskRecord task) {
                  stream.send("task", task);
                }

                @Override
                public void removed(String taskId) {
                  stream.send("removed", Map.of("taskId", taskId));
                }

                @Override
                public void caughtUp() {
                  stream.send("ready", Map.of());
                }
              });
    } catch (RuntimeException e) {
      LOG.warn("cannot watch the tasks of a user: {}", e.toString());
      stream.send("unavailable", Map.of("error", "the task store is unavailable; reconnecting"));
      stream.close();
      return;
    }
    stream.onClose(() -> closeQuietly(watch, "a task watch"));
  }

  /**
   * A running task's output: {@code ready} once listening, events {@code stdout} and {@code stderr}
   * with {@code {"text"}} as the worker publishes them, then {@code end} with the task's status.
   * Only the task's owner can listen; output printed before the stream opened is in the zip.
   */
  public void streamTaskOutput(Context ctx) {
    Identity user = Identities.of(ctx);
    TaskRecord task = TaskRoutes.find(tasks, ctx); // a bad id or another user's task: 400/404
    EventStream stream = open(ctx);
    if (task.isTerminal()) {
      end(stream, task);
      return;
    }
    Runnable checkEnd =
        () -> {
          Optional<TaskRecord> now = tasks.get(user.email(), task.taskId()).map(v -> v.value());
          if (now.isEmpty()) {
            stream.close();
          } else if (now.get().isTerminal()) {
            end(stream, now.get());
          }
        };
    AutoCloseable listening =
        output.listen(
            user.email(),
            task.taskId(),
            new OutputFeed.Listener() {
              @Override
              public void output(String name, String text) {
                stream.send(name, Map.of("text", text));
              }

              @Override
              public void ended() {
                try {
                  checkEnd.run();
                } catch (RuntimeException e) {
                  // the store is briefly away: the periodic check below ends the stream
                }
              }
            });
    stream.onClose(() -> closeQuietly(listening, "an output listener"));
    // From here on every chunk reaches this stream; what came before is in the result zip.
    stream.send("ready", Map.of());
    // The worker says when the record is final; should that word be lost (core NATS keeps
    // nothing), or the task have ended before the listener was on, a slow check ends the stream.
    checkEnd.run();
    stream.every(STATUS_CHECK, checkEnd);
  }

  /** What a stream held, let go as it closes: a failure there is no one's to answer. */
  private static void closeQuietly(AutoCloseable held, String what) {
    try {
      held.close();
    } catch (Exception e) {
      LOG.debug("closing {} failed: {}", what, e.toString());
    }
  }

  private static void end(EventStream stream, TaskRecord task) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", task.status().name());
    body.put("code", task.code());
    stream.send("end", body);
    stream.close();
  }
}
