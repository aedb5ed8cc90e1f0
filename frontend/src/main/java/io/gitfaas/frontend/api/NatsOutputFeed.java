package io.gitfaas.frontend.api;

import io.gitfaas.task.LiveOutput;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The output feed on the core NATS subjects of {@link LiveOutput}. */
public final class NatsOutputFeed implements OutputFeed {
  private final Connection connection;

  public NatsOutputFeed(Connection connection) {
    this.connection = connection;
  }

  @Override
  public AutoCloseable listen(String owner, UUID taskId, Listener listener) {
    Dispatcher dispatcher =
        connection.createDispatcher(
            msg -> {
              String subject = msg.getSubject();
              String stream = subject.substring(subject.lastIndexOf('.') + 1);
              if (!stream.equals(LiveOutput.END)) {
                listener.output(stream, new String(msg.getData(), StandardCharsets.UTF_8));
              }
            });
    dispatcher.subscribe(LiveOutput.allOf(owner, taskId));
    return () -> connection.closeDispatcher(dispatcher);
  }
}
