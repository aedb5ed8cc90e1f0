package io.gitfaas.nats;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.Message;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls a durable consumer's messages one at a time and hands each to a handler, on a thread of its
 * own, until stopped. One bad message or a NATS outage does not end it: failures are logged and
 * retried with a growing pause. An Error (out of memory, a broken class) does: the process is in no
 * state to go on, and {@code onFatal} is told, so that it ends and is replaced instead of staying
 * connected and taking no work.
 */
public final class PullLoop {
  private static final Logger LOG = LoggerFactory.getLogger(PullLoop.class);
  static final Duration PULL_WAIT = Duration.ofSeconds(2);
  static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  /** What is done with each message; it settles the message itself (ack, nak, term). */
  @FunctionalInterface
  public interface Handler {
    void handle(Message msg) throws InterruptedException;
  }

  private final Connection connection;
  private final String stream;
  private final String consumer;
  private final Handler handler;
  private final Consumer<Error> onFatal;
  private final Thread thread;
  private volatile boolean stopping;

  public PullLoop(
      Connection connection,
      String stream,
      String consumer,
      String name,
      Handler handler,
      Consumer<Error> onFatal) {
    this.connection = connection;
    this.stream = stream;
    this.consumer = consumer;
    this.handler = handler;
    this.onFatal = onFatal;
    this.thread = new Thread(this::run, name);
  }

  public PullLoop start() {
    thread.start();
    return this;
  }

  /** Takes no further message; the one being handled is finished. */
  public void stop() {
    stopping = true;
  }

  public Thread thread() {
    return thread;
  }

  private void run() {
    ConsumerContext context = null;
    Duration pause = FIRST_PAUSE;
    while (!stopping && !Thread.currentThread().isInterrupted()) {
      try {
        if (context == null) {
          context = connection.getStreamContext(stream).getConsumerContext(consumer);
        }
        Message msg = context.next(PULL_WAIT);
        if (msg != null) {
          handler.handle(msg);
        }
        pause = FIRST_PAUSE;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        LOG.warn(
            "{}: pulling from {} failed, retrying in {}: {}",
            thread.getName(),
            stream,
            pause,
            e.toString());
        context = null;
        if (!sleep(pause)) {
          return;
        }
        pause =
            pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
                ? LONGEST_PAUSE
                : pause.multipliedBy(2);
      } catch (Error e) {
        LOG.error("{}: fatal error; the process must stop", thread.getName(), e);
        onFatal.accept(e);
        return;
      }
    }
  }

  private static boolean sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
