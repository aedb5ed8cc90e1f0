package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.store.Admission;
import io.gitfaas.store.NatsTaskStore;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.UserKey;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idle users' task buckets go, against a real nats-server, with a one-second task TTL so records
 * expire at once and a clock an hour ahead so every bucket looks old enough.
 */
class IdleBucketSweeperTest {
  NatsTestServer nats;
  Connection connection;
  NatsResources resources;
  NatsTaskStore tasks;
  Admission admission;

  @BeforeEach
  void start() throws Exception {
    nats = new NatsTestServer();
    connection = NatsConnector.connect(nats.settings(), "sweeper-test");
    resources = new NatsResources(connection, Duration.ofSeconds(1), Duration.ofSeconds(30), 1);
    resources.ensure();
    tasks = new NatsTaskStore(resources);
    admission = new Admission(resources);
  }

  @AfterEach
  void stop() throws Exception {
    connection.close();
    nats.close();
  }

  TaskRequest record(String owner) {
    var request =
        new TaskRequest(UUID.randomUUID(), owner, "https://x/y", null, List.of(), Instant.now());
    tasks.create(owner, TaskRecord.pending(request));
    return request;
  }

  String stream(String owner) {
    return "KV_" + NatsTopology.USER_BUCKET_PREFIX + UserKey.of(owner);
  }

  void awaitExpired(String owner) throws Exception {
    var jsm = connection.jetStreamManagement();
    while (jsm.getStreamInfo(stream(owner)).getStreamState().getMsgCount() > 0) {
      Thread.onSpinWait(); // the one-second TTL removes the record
    }
  }

  /** Each user bucket's figures, for a failure's message. */
  String describe() throws Exception {
    var jsm = connection.jetStreamManagement();
    StringBuilder out = new StringBuilder();
    for (String name : jsm.getStreamNames()) {
      if (name.startsWith("KV_" + NatsTopology.USER_BUCKET_PREFIX)) {
        var info = jsm.getStreamInfo(name);
        out.append(
            String.format(
                "%s msgs=%d consumers=%d created=%s last=%s%n",
                name,
                info.getStreamState().getMsgCount(),
                info.getStreamState().getConsumerCount(),
                info.getCreateTime(),
                info.getStreamState().getLastTime()));
      }
    }
    return out.toString();
  }

  @Test
  void onlyIdleBucketsGoAndTheNextRequestMakesTheBucketAnew() throws Exception {
    record("idle@example.com");
    record("busy@example.com");
    record("watched@example.com");
    AutoCloseable console =
        tasks.watch(
            "watched@example.com",
            new io.gitfaas.store.TaskStore.TaskListener() {
              @Override
              public void changed(TaskRecord task) {}

              @Override
              public void removed(String taskId) {}

              @Override
              public void caughtUp() {}
            });
    for (String owner : List.of("idle@example.com", "busy@example.com", "watched@example.com")) {
      awaitExpired(owner);
    }
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
    var sweeper = new IdleBucketSweeper(connection, admission, Duration.ofMinutes(30), later);
    // A bucket written within the idle time stays: judged by the real clock it is new.
    var strict =
        new IdleBucketSweeper(connection, admission, Duration.ofMinutes(30), Clock.systemUTC());
    assertThat(strict.sweep()).isZero();

    // A task admitted (on its way to a record) keeps its user's bucket. Admitted just before the
    // sweep: this test's one-second TTL applies to the admission bucket too.
    admission.admit(
        "busy@example.com", UUID.randomUUID(), 80, id -> Admission.Found.ACTIVE, Instant.now());
    String before = describe();
    assertThat(sweeper.sweep()).as(before).isEqualTo(1);
    var names = connection.jetStreamManagement().getStreamNames();
    assertThat(names)
        .doesNotContain(stream("idle@example.com"))
        .contains(stream("busy@example.com"), stream("watched@example.com"));
    assertThat(admission.active("idle@example.com")).isEmpty();
    console.close();

    // The frontend's handle outlived the bucket: its next write makes the bucket anew.
    TaskRequest again = record("idle@example.com");
    assertThat(tasks.get("idle@example.com", again.taskId())).isPresent();
    assertThat(tasks.list("idle@example.com"))
        .extracting(TaskRecord::taskId)
        .contains(again.taskId());
  }
}
