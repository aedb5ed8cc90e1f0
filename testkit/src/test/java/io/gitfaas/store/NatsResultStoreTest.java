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
    nats.close();
  }

  @Override
  ResultStore store() {
    return store;
  }
}
