package io.gitfaas.system;

import io.gitfaas.testkit.JetStreamFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The observer-bucket store keeps the contract, against a real nats-server (one per test). */
class NatsSystemStatusStoreTest extends SystemStatusStoreContract {
  JetStreamFixture nats;
  SystemStatusStore store;

  @BeforeEach
  void start() throws Exception {
    nats = new JetStreamFixture("system-status-test");
    store = new NatsSystemStatusStore(nats.resources());
  }

  @AfterEach
  void stop() throws Exception {
    nats.close();
  }

  @Override
  SystemStatusStore store() {
    return store;
  }
}
