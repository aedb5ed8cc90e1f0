package io.gitfaas.store;

import io.gitfaas.testkit.JetStreamFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The JetStream task store keeps the contract, against a real nats-server. */
class NatsTaskStoreTest extends TaskStoreContract {
  static JetStreamFixture nats;
  static TaskStore store;

  @BeforeAll
  static void start() throws Exception {
    nats = new JetStreamFixture("task-store-test");
    store = new NatsTaskStore(nats.resources());
  }

  @AfterAll
  static void stop() throws Exception {
    nats.close();
  }

  @Override
  TaskStore store() {
    return store;
  }
}
