package io.gitfaas.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.Admission.Found;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The NATS-backed admission against a real nats-server (the task and result stores: {@link
 * TaskStoreContract}, {@link ResultStoreContract}).
 */
class StoresIntegrationTest {
  static NatsTestServer nats;
  static Connection connection;
  static NatsResources resources;

  @BeforeAll
  static void start() throws Exception {
    nats = new NatsTestServer();
    connection = NatsConnector.connect(nats.settings(), "stores-test");
    resources = new NatsResources(connection, Duration.ofMinutes(20), Duration.ofSeconds(30), 1);
    resources.ensure();
    resources.ensure(); // idempotent
  }

  @AfterAll
  static void stop() throws Exception {
    connection.close();
    nats.close();
  }

  static TaskRequest request(String owner) {
    return new TaskRequest(UUID.randomUUID(), owner, "https://x/y", null, List.of(), Instant.now());
  }

  @Test
  void admissionPrunesEndedAndLongAbsentTasksOnly() {
    Admission admission = new Admission(resources);
    String user = "admit@example.com";
    Instant now = Instant.now();
    UUID ended = UUID.randomUUID();
    UUID absentRecently = UUID.randomUUID();
    assertThat(admission.admit(user, ended, 2, id -> Found.ACTIVE, now)).isTrue();
    assertThat(admission.admit(user, absentRecently, 2, id -> Found.ACTIVE, now)).isTrue();
    assertThat(admission.admit(user, UUID.randomUUID(), 2, id -> Found.ACTIVE, now)).isFalse();
    // Full: the ended one is pruned, the recently admitted one without a record yet is kept.
    UUID third = UUID.randomUUID();
    assertThat(
            admission.admit(
                user, third, 2, id -> id.equals(ended) ? Found.ENDED : Found.ABSENT, now))
        .isTrue();
    assertThat(admission.active(user)).containsExactlyInAnyOrder(absentRecently, third);
    admission.release(user, third);
    admission.release(user, third);
    assertThat(admission.active(user)).containsExactly(absentRecently);
  }
}
