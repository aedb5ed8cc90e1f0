package io.gitfaas.task;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cancel signal on core NATS: {@code cancel.<user key>.<task id>}, heard by every worker. */
public final class NatsCancelSignal implements CancelSignal {
  private static final Logger LOG = LoggerFactory.getLogger(NatsCancelSignal.class);
  public static final String PREFIX = "cancel";

  private final Connection connection;

  public NatsCancelSignal(Connection connection) {
    this.connection = connection;
  }

  @Override
  public void send(String owner, UUID taskId) {
    connection.publish(PREFIX + "." + UserKey.of(owner) + "." + taskId, new byte[0]);
  }

  @Override
  public AutoCloseable listen(Consumer<UUID> cancelled) {
    Dispatcher dispatcher =
        connection.createDispatcher(
            msg -> {
              String subject = msg.getSubject();
              try {
                cancelled.accept(UUID.fromString(subject.substring(subject.lastIndexOf('.') + 1)));
              } catch (IllegalArgumentException e) {
                LOG.warn("ignoring a cancel signal with no task id: {}", subject);
              }
            });
    dispatcher.subscribe(PREFIX + ".*.*");
    return () -> connection.closeDispatcher(dispatcher);
  }
}
