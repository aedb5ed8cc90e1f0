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
    for (JetStreamFixture c : capped) {
      c.close();
    }
    nats.close();
  }

  @Override
  ResultStore store() {
    return store;
  }

  /** Servers of capped stores, stopped with the class. */
  static final java.util.List<JetStreamFixture> capped = new java.util.ArrayList<>();

  @Override
  ResultStore storeOfAtMost(long maxBytes) throws Exception {
    var fixture =
        new JetStreamFixture(
            "capped",
            new io.gitfaas.config.Settings.StorageCaps(maxBytes, 1 << 20, 1 << 20, 1 << 20));
    capped.add(fixture);
    return new NatsResultStore(fixture.resources());
  }
}
