package io.gitfaas.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gitfaas.worker.limits.Cgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the worker has cgroups, no process of a sandbox runs outside the program's group. */
class SandboxCgroupIntegrationTest {
  @TempDir Path dir;

  @Test
  void everyProcessOfTheSandboxIsInTheProgramsGroup() throws Exception {
    Cgroups cgroups = Cgroups.detect(Path.of("/sys/fs/cgroup"));
    assumeTrue(cgroups.available(), "this host gives the worker no cgroup");
    SandboxCommand.writeIdentity(dir.resolve("id"));
    Sandbox sandbox =
        new Sandbox(
            new SandboxCommand(Path.of("/usr/bin/bwrap"), dir.resolve("id")),
            Path.of("/usr/bin/prlimit"),
            cgroups);
    SandboxSpec spec =
        new SandboxSpec(
            List.of("/bin/sh", "-c", "sleep 30 & sleep 30"),
            "/",
            Map.of(),
            Map.of(),
            Map.of("PATH", "/usr/bin:/bin"),
            false,
            Duration.ofSeconds(20),
            1 << 20,
            new SandboxSpec.Limits(96L << 20, 64, 64L << 20, List.of()));
    Cancellation cancellation = new Cancellation();
    var running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return sandbox.run(
                    spec,
                    dir.resolve("out"),
                    dir.resolve("err"),
                    OutputListener.NONE,
                    OutputListener.NONE,
                    cancellation);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      // bubblewrap, its sandbox process, the shell and its two sleeps
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> bubblewrapTrees().stream().anyMatch(tree -> tree.size() >= 5));
      List<Long> tree =
          bubblewrapTrees().stream().filter(t -> t.size() >= 5).findFirst().orElseThrow();
      for (long pid : tree) {
        String groups = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        String mine = Files.readString(Path.of("/proc/self/cgroup"));
        assertThat(groups).as("process %d", pid).isNotEqualTo(mine).contains("/gitfaas/");
      }
    } finally {
      cancellation.cancel();
      running.join();
    }
  }

  /** The trees of the bubblewrap processes this JVM started (through sh and prlimit's exec). */
  private static List<List<Long>> bubblewrapTrees() {
    return ProcessHandle.current()
        .children()
        .filter(p -> p.info().command().map(c -> c.endsWith("bwrap")).orElse(false))
        .map(p -> ProcessTree.of(p.pid()))
        .toList();
  }
}
