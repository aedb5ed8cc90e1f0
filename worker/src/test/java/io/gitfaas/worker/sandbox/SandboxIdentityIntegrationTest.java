package io.gitfaas.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.testkit.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Workers on one host share the identity directory of their work directory, and a scaler starts
 * several at once: each writes the sandbox's files without tripping over the others.
 */
class SandboxIdentityIntegrationTest {
  @Test
  void workersStartingTogetherWriteOneIdentityDirectory() throws Exception {
    Path dir = Files.createTempDirectory("identity-");
    ExecutorService workers = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 3; round++) {
        CyclicBarrier together = new CyclicBarrier(4);
        List<Future<?>> starts = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          starts.add(
              workers.submit(
                  () -> {
                    together.await();
                    SandboxCommand.writeIdentity(dir);
                    return null;
                  }));
        }
        for (Future<?> start : starts) {
          start.get(); // throws what a start threw
        }
      }
      assertThat(Files.size(dir.resolve(SandboxCommand.SECCOMP_FILTER))).isPositive();
      assertThat(Files.readString(dir.resolve("passwd"))).startsWith("root:x:0:0:");
      try (var left = Files.list(dir)) {
        assertThat(left.map(p -> p.getFileName().toString()))
            .as("no temporary file left behind")
            .noneMatch(name -> name.contains(".new") || name.startsWith("."));
      }
    } finally {
      workers.shutdownNow();
      TempDirs.deleteQuietly(dir);
    }
  }
}
