package io.gitfaas.store;

import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The JetStream task store keeps the contract, against a real nats-server. */
class NatsTaskStoreTest extends TaskStoreContract {
  static NatsTestServer nats;
  static Connection connection;
  static TaskStore store;

  @BeforeAll
  static void start() throws Exception {
    nats = new NatsTestServer();
    connection = NatsConnector.connect(nats.settings(), "task-store-test");
    NatsResources resources =
        new NatsResources(connection, Duration.ofMinutes(20), Duration.ofSeconds(30), 1);
    resources.ensure();
    store = new NatsTaskStore(resources);
  }

  @AfterAll
  static void stop() throws Exception {
    connection.close();
    nats.close();
  }

  @Override
  TaskStore store() {
    return store;
  }
}
