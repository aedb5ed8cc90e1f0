package io.gitfaas.frontend.api;

import io.gitfaas.json.Json;
import io.javalin.http.sse.SseClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One open Server-Sent Events stream: JSON events written one at a time, a comment every {@link
 * #HEARTBEAT} so proxies keep an idle stream open and a client that went away is noticed, and the
 * actions that release what the stream holds. A write that fails (the client left, the server
 * stops) releases the stream: nothing keeps running for a stream nobody reads.
 */
final class EventStream {
  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  private final SseClient client;
  private final ScheduledExecutorService timer;
  private final List<Runnable> onClose = new ArrayList<>();
  private boolean closed;

  private EventStream(SseClient client, ScheduledExecutorService timer) {
    this.client = client;
    this.timer = timer;
  }

  /** Keeps the client's stream open, with heartbeats, until either side closes it. */
  static EventStream open(SseClient client, ScheduledExecutorService timer) {
    EventStream stream = new EventStream(client, timer);
    client.onClose(stream::released);
    client.keepAlive();
    stream.every(HEARTBEAT, () -> stream.write(() -> client.sendComment("heartbeat")));
    return stream;
  }

  /** Runs {@code action} once the stream closes (at once if it has). */
  void onClose(Runnable action) {
    synchronized (this) {
      if (!closed) {
        onClose.add(action);
        return;
      }
    }
    action.run();
  }

  private boolean isClosed() {
    synchronized (this) {
      return closed;
    }
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

  void send(String event, Object body) {
    byte[] json = Json.write(body);
    write(() -> client.sendEvent(event, new String(json, StandardCharsets.UTF_8)));
  }

  private void write(Runnable write) {
    boolean failed = false;
    synchronized (client) {
      if (isClosed() || client.terminated()) {
        return;
      }
      try {
        write.run();
      } catch (RuntimeException e) {
        failed = true; // the response is gone
      }
    }
    if (failed || client.terminated()) {
      released();
    }
  }

  void close() {
    try {
      client.close();
    } catch (RuntimeException e) {
      // the response is already gone
    }
    released();
  }

  private void released() {
    List<Runnable> actions;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      actions = List.copyOf(onClose);
      onClose.clear();
    }
    actions.forEach(Runnable::run);
  }
}
