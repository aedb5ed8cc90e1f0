package io.gitfaas.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gitfaas.worker.limits.Cgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the worker has cgroups, no process of a sandbox runs outside the program's group. */
class SandboxCgroupIntegrationTest {
  @TempDir Path dir;

  @Test
  void everyProcessOfTheSandboxIsInTheProgramsGroup() throws Exception {
    Cgroups cgroups = Cgroups.detect(Path.of("/sys/fs/cgroup"));
    assumeTrue(cgroups.available(), "this host gives the worker no cgroup");
    Cancellation cancellation = new Cancellation();
    var running =
        SandboxRuns.start(
            dir, cgroups, List.of("/bin/sh", "-c", "sleep 30 & sleep 30"), cancellation);
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
