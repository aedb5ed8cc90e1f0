package io.gitfaas.system;

import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The observer-bucket store keeps the contract, against a real nats-server (one per test). */
class NatsSystemStatusStoreTest extends SystemStatusStoreContract {
  NatsTestServer nats;
  Connection connection;
  SystemStatusStore store;

  @BeforeEach
  void start() throws Exception {
    nats = new NatsTestServer();
    connection = NatsConnector.connect(nats.settings(), "system-status-test");
    NatsResources resources =
        new NatsResources(connection, Duration.ofMinutes(20), Duration.ofSeconds(30), 1);
    resources.ensure();
    store = new NatsSystemStatusStore(resources);
  }

  @AfterEach
  void stop() throws Exception {
    connection.close();
    nats.close();
  }

  @Override
  SystemStatusStore store() {
    return store;
  }
}
