package io.gitfaas.testkit;

import io.gitfaas.config.Settings.StorageCaps;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.nats.NatsTopology;
import io.nats.client.Connection;
import java.time.Duration;

/**
 * A nats-server of its own, a connection to it and the system's streams and buckets declared with
 * the default limits (20-minute TTL, 30-second lease): what a store's test stands on.
 */
public final class JetStreamFixture implements AutoCloseable {
  private final NatsTestServer server;
  private final Connection connection;
  private final NatsResources resources;

  public JetStreamFixture(String name) throws Exception {
    this(name, StorageCaps.DEFAULTS);
  }

  /** With stores capped at {@code caps}, to see them full. */
  public JetStreamFixture(String name, StorageCaps caps) throws Exception {
    server = new NatsTestServer();
    connection = NatsConnector.connect(server.settings(), name);
    resources =
        new NatsResources(
            connection,
            new NatsTopology(connection, Duration.ofMinutes(20), Duration.ofSeconds(30), 1, caps));
    resources.ensure();
  }

  /** Every store capped at one MiB. */
  public static StorageCaps oneMebibyte() {
    return new StorageCaps(1 << 20, 1 << 20, 1 << 20, 1 << 20);
  }

  public Connection connection() {
    return connection;
  }

  public NatsResources resources() {
    return resources;
  }

  @Override
  public void close() throws Exception {
    connection.close();
    server.close();
  }
}
