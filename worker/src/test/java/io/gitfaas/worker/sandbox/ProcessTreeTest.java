package io.gitfaas.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The process lists the sandbox reads from /proc. */
class ProcessTreeTest {
  @Test
  void aProcessChildrenAreListedByTheKernelWithoutLookingAtEveryProcess() throws Exception {
    Process shell = new ProcessBuilder("/bin/sh", "-c", "sleep 30 & sleep 30 & wait").start();
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(ProcessTree.children(shell.pid()).orElseThrow()).hasSize(2));
      List<Long> children = ProcessTree.children(shell.pid()).orElseThrow();
      assertThat(shell.children().map(ProcessHandle::pid).toList())
          .containsExactlyInAnyOrderElementsOf(children);
      assertThat(ProcessTree.of(shell.pid())).containsAll(children);
    } finally {
      shell.descendants().forEach(ProcessHandle::destroyForcibly);
      shell.destroyForcibly().waitFor();
    }
    assertThat(ProcessTree.children(shell.pid())).contains(List.of());
  }
}
