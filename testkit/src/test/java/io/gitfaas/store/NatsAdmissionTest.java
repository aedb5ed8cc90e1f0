package io.gitfaas.store;

import io.gitfaas.testkit.JetStreamFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Admission over the JetStream bucket keeps the contract, against a real nats-server. */
class NatsAdmissionTest extends AdmissionContract {
  static JetStreamFixture nats;

  @BeforeAll
  static void start() throws Exception {
    nats = new JetStreamFixture("admission-test");
    nats.resources().ensure(); // declaring twice changes nothing
  }

  @AfterAll
  static void stop() throws Exception {
    nats.close();
  }

  @Override
  Admission.Entries entries() {
    return new Admission.KvEntries(nats.resources());
  }
}
