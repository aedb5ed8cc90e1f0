package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.store.NatsResultStore;
import io.gitfaas.system.SystemStatus.StoreUse;
import io.gitfaas.testkit.JetStreamFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageProbeTest {
  @TempDir Path dir;

  @Test
  void eachSharedStoreIsReportedAndANearlyFullOneWarned() throws Exception {
    try (var nats = new JetStreamFixture("storage-test", JetStreamFixture.oneMebibyte())) {
      var connection = nats.connection();
      var resources = nats.resources();
      byte[] noise = new byte[960_000];
      new Random(5).nextBytes(noise);
      Path zip = Files.write(dir.resolve("r.zip"), noise);
      new NatsResultStore(resources).put("u@example.com", UUID.randomUUID(), 1, zip);

      var storage = new StorageProbe(connection).sample();
      assertThat(storage)
          .extracting(StoreUse::name)
          .containsExactly(
              "results",
              "queue",
              "injection requests",
              "callbacks",
              "uploads",
              "injected files",
              "admission");
      StoreUse results = storage.get(0);
      assertThat(results.maxBytes()).isEqualTo(1 << 20);
      assertThat(results.percent()).isGreaterThanOrEqualTo(90);
      assertThat(StorageProbe.warnings(storage))
          .containsExactly(
              "the results store is "
                  + results.percent()
                  + "% full (RESULTS_STORE_MAX_BYTES): writes past its cap are refused");
    }
  }
}
