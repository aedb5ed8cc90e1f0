package io.gitfaas.frontend.api;

import io.gitfaas.json.Json;
import io.javalin.http.Context;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open Server-Sent Events stream, written without blocking: events wait in a backlog and the
 * servlet container's non-blocking output takes them when the client can receive, so no thread is
 * held per stream and no thread that feeds streams waits on a slow client. A client that falls
 * {@link #MAX_BACKLOG_BYTES} behind is let go (a reconnecting task list gets the whole list again;
 * output it missed is in the result zip).
 *
 * <p>A comment every {@link #HEARTBEAT} keeps proxies from closing an idle stream and finds clients
 * that went away. Closing runs the actions that release what the stream holds, at once; what is
 * still in the backlog is sent first, for at most {@link #DRAIN} when the client does not take it.
 */
final class EventStream implements WriteListener {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  static final Duration HEARTBEAT = Duration.ofSeconds(15);
  static final Duration DRAIN = Duration.ofSeconds(5);
  static final int MAX_BACKLOG_BYTES = 256 * 1024;
  private static final byte[] HEARTBEAT_COMMENT =
      ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

  private final ScheduledExecutorService timer;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final List<Runnable> onClose = new ArrayList<>();
  private final ArrayDeque<byte[]> backlog = new ArrayDeque<>();
  private long backlogBytes;
  private ServletOutputStream out; // set once the request is asynchronous
  private boolean unflushed = true; // the headers go out at once
  private boolean closing;
  private boolean released;

  private EventStream(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /**
   * Answers the request with an event stream that stays open until either side closes it. The
   * request's handler returns at once; writing starts as the request turns asynchronous.
   */
  static EventStream open(Context ctx, ScheduledExecutorService timer) {
    HttpServletResponse res = ctx.res();
    res.setStatus(200);
    res.setCharacterEncoding("UTF-8");
    res.setContentType("text/event-stream");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Accel-Buffering", "no"); // proxies pass events on as they come
    EventStream stream = new EventStream(timer);
    ctx.future(
        () -> {
          var async = ctx.req().getAsyncContext();
          async.setTimeout(0);
          async.addListener(stream.new Ended());
          try {
            ServletOutputStream out = res.getOutputStream();
            synchronized (stream) {
              stream.out = out;
            }
            out.setWriteListener(stream); // the container calls onWritePossible from here on
          } catch (IOException | RuntimeException e) {
            stream.released();
          }
          return stream.done;
        });
    stream.every(HEARTBEAT, () -> stream.enqueue(HEARTBEAT_COMMENT));
    return stream;
  }

  /** Runs {@code action} once the stream closes (at once if it has). */
  void onClose(Runnable action) {
    synchronized (this) {
      if (!closing && !released) {
        onClose.add(action);
        return;
      }
    }
    action.run();
  }

  /** Runs {@code task} every {@code period} while the stream is open; a failed run is retried. */
  void every(Duration period, Runnable task) {
    ScheduledFuture<?> future =
        timer.scheduleWithFixedDelay(
            () -> {
              try {
                task.run();
              } catch (RuntimeException e) {
                // NATS briefly away: the next run tries again
              }
            },
            period.toMillis(),
            period.toMillis(),
            TimeUnit.MILLISECONDS);
    onClose(() -> future.cancel(false));
  }

  /** Queues an event; never waits for the client. */
  void send(String event, Object body) {
    String json = new String(Json.write(body), StandardCharsets.UTF_8);
    enqueue(("event: " + event + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  private void enqueue(byte[] frame) {
    synchronized (this) {
      if (closing || released) {
        return;
      }
      if (backlogBytes + frame.length > MAX_BACKLOG_BYTES) {
        LOG.info("an event stream's client fell {} bytes behind; closing it", backlogBytes);
      } else {
        backlog.add(frame);
        backlogBytes += frame.length;
        frame = null;
      }
    }
    if (frame != null) {
      released(); // too slow: let it go rather than hold its events
      return;
    }
    pump();
  }

  /** Writes what the backlog holds while the client takes it, then flushes. */
  private void pump() {
    boolean finished = false;
    boolean failed = false;
    synchronized (this) {
      if (released || out == null) {
        return;
      }
      try {
        while (out.isReady()) {
          byte[] next = backlog.poll();
          if (next != null) {
            backlogBytes -= next.length;
            out.write(next);
            unflushed = true;
          } else if (unflushed) {
            unflushed = false;
            out.flush();
          } else {
            finished = closing;
            break;
          }
        }
        // Not ready: the container calls onWritePossible when the client has taken the rest.
      } catch (IOException | RuntimeException e) {
        failed = true; // the client went away
      }
    }
    if (failed || finished) {
      released();
    }
  }

  @Override
  public void onWritePossible() {
    pump();
  }

  @Override
  public void onError(Throwable t) {
    released();
  }

  /**
   * Ends the stream: what it holds is released now; queued events are still sent, for at most
   * {@link #DRAIN}.
   */
  void close() {
    List<Runnable> actions;
    synchronized (this) {
      if (closing || released) {
        return;
      }
      closing = true;
      actions = List.copyOf(onClose);
      onClose.clear();
    }
    actions.forEach(Runnable::run);
    timer.schedule(this::released, DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    pump();
  }

  /** The response ends: what the stream holds is released, and what it had not sent is dropped. */
  private void released() {
    List<Runnable> actions;
    synchronized (this) {
      if (released) {
        return;
      }
      released = true;
      closing = true;
      backlog.clear();
      backlogBytes = 0;
      actions = List.copyOf(onClose);
      onClose.clear();
    }
    actions.forEach(Runnable::run);
    done.complete(null); // the request completes
  }

  /** The container ended the request (the client left, the server stops). */
  private final class Ended implements AsyncListener {
    @Override
    public void onComplete(AsyncEvent event) {
      released();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      released();
    }

    @Override
    public void onError(AsyncEvent event) {
      released();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }
}
