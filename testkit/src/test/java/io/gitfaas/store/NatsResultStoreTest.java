package io.gitfaas.store;

import io.gitfaas.testkit.JetStreamFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The JetStream result store keeps the contract, against a real nats-server. */
class NatsResultStoreTest extends ResultStoreContract {
  static JetStreamFixture nats;
  static ResultStore store;

  @BeforeAll
  static void start() throws Exception {
    nats = new JetStreamFixture("result-store-test");
    store = new NatsResultStore(nats.resources());
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : capped) {
      c.close();
    }
    nats.close();
  }

  @Override
  ResultStore store() {
    return store;
  }

  /** Servers of capped stores, stopped with the class. */
  static final java.util.List<AutoCloseable> capped = new java.util.ArrayList<>();

  @Override
  ResultStore storeOfAtMost(long maxBytes) throws Exception {
    var server = new io.gitfaas.testkit.NatsTestServer();
    capped.add(server);
    var connection = io.gitfaas.nats.NatsConnector.connect(server.settings(), "capped");
    capped.add(0, connection::close);
    var topology =
        new io.gitfaas.nats.NatsTopology(
            connection,
            java.time.Duration.ofMinutes(20),
            java.time.Duration.ofSeconds(30),
            1,
            new io.gitfaas.config.Settings.StorageCaps(maxBytes, 1 << 20, 1 << 20, 1 << 20));
    var resources = new io.gitfaas.nats.NatsResources(connection, topology);
    resources.ensure();
    return new NatsResultStore(resources);
  }
}
