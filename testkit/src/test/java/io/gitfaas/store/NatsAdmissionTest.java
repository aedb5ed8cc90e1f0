package io.gitfaas.store;

import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Admission over the JetStream bucket keeps the contract, against a real nats-server. */
class NatsAdmissionTest extends AdmissionContract {
  static NatsTestServer nats;
  static Connection connection;
  static NatsResources resources;

  @BeforeAll
  static void start() throws Exception {
    nats = new NatsTestServer();
    connection = NatsConnector.connect(nats.settings(), "admission-test");
    resources = new NatsResources(connection, Duration.ofMinutes(20), Duration.ofSeconds(30), 1);
    resources.ensure();
    resources.ensure(); // idempotent
  }

  @AfterAll
  static void stop() throws Exception {
    connection.close();
    nats.close();
  }

  @Override
  Admission.Entries entries() {
    return new Admission.KvEntries(resources);
  }
}
