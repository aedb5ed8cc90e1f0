package io.gitfaas.nats;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;

/**
 * One dispatcher, and so one thread, for many subscriptions of a connection, made on first use:
 * what stays flat however many event streams are open. Its handlers must not block.
 */
public final class SharedDispatcher {
  private final Connection connection;
  private Dispatcher dispatcher;

  public SharedDispatcher(Connection connection) {
    this.connection = connection;
  }

  public synchronized Dispatcher get() {
    if (dispatcher == null) {
      dispatcher = connection.createDispatcher();
    }
    return dispatcher;
  }
}
