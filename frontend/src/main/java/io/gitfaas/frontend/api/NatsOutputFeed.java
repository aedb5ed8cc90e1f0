package io.gitfaas.frontend.api;

import io.gitfaas.nats.SharedDispatcher;
import io.gitfaas.task.LiveOutput;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The output feed on the core NATS subjects of {@link LiveOutput}: one subscription per followed
 * task, all on one dispatcher (one thread however many streams are open).
 */
public final class NatsOutputFeed implements OutputFeed {
  private final SharedDispatcher dispatcher;

  public NatsOutputFeed(Connection connection) {
    this.dispatcher = new SharedDispatcher(connection);
  }

  @Override
  public AutoCloseable listen(String owner, UUID taskId, Listener listener) {
    Dispatcher d = dispatcher.get();
    Subscription subscription =
        d.subscribe(
            LiveOutput.allOf(owner, taskId),
            msg -> {
              String subject = msg.getSubject();
              String stream = subject.substring(subject.lastIndexOf('.') + 1);
              if (stream.equals(LiveOutput.END)) {
                listener.ended();
              } else {
                listener.output(stream, new String(msg.getData(), StandardCharsets.UTF_8));
              }
            });
    return () -> d.unsubscribe(subscription);
  }
}
