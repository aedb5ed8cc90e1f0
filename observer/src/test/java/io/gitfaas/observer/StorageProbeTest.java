package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.config.Settings.StorageCaps;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.store.NatsResultStore;
import io.gitfaas.system.SystemStatus.StoreUse;
import io.gitfaas.testkit.NatsTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageProbeTest {
  @TempDir Path dir;

  @Test
  void eachSharedStoreIsReportedAndANearlyFullOneWarned() throws Exception {
    try (var nats = new NatsTestServer();
        var connection = NatsConnector.connect(nats.settings(), "storage-test")) {
      var caps = new StorageCaps(1 << 20, 1 << 20, 1 << 20, 1 << 20);
      var resources =
          new NatsResources(
              connection,
              new NatsTopology(
                  connection, Duration.ofMinutes(20), Duration.ofSeconds(30), 1, caps));
      resources.ensure();
      byte[] noise = new byte[960_000];
      new Random(5).nextBytes(noise);
      Path zip = Files.write(dir.resolve("r.zip"), noise);
      new NatsResultStore(resources).put("u@example.com", UUID.randomUUID(), 1, zip);

      var storage = new StorageProbe(connection).sample();
      assertThat(storage)
          .extracting(StoreUse::name)
          .containsExactly(
              "results", "queue", "injection requests", "uploads", "injected files", "admission");
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
