package io.gitfaas.store;

import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The JetStream result store keeps the contract, against a real nats-server. */
class NatsResultStoreTest extends ResultStoreContract {
  static NatsTestServer nats;
  static Connection connection;
  static ResultStore store;

  @BeforeAll
  static void start() throws Exception {
    nats = new NatsTestServer();
    connection = NatsConnector.connect(nats.settings(), "result-store-test");
    NatsResources resources =
        new NatsResources(connection, Duration.ofMinutes(20), Duration.ofSeconds(30), 1);
    resources.ensure();
    store = new NatsResultStore(resources);
  }

  @AfterAll
  static void stop() throws Exception {
    connection.close();
    nats.close();
  }

  @Override
  ResultStore store() {
    return store;
  }
}
