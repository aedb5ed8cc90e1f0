package io.gitfaas.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.worker.limits.Cgroups;
import io.gitfaas.worker.result.Limit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the host gives the worker no cgroup, memory is still limited for the task as a whole. */
class SandboxWithoutCgroupsIntegrationTest {
  @TempDir Path dir;

  SandboxResult run(List<String> command) throws Exception {
    return run(command, Cancellation.NEVER);
  }

  SandboxResult run(List<String> command, Cancellation cancellation) throws Exception {
    return SandboxRuns.run(dir, Cgroups.NONE, command, cancellation);
  }

  @Test
  void aCancelledProgramIsKilledWithEveryProcessItStarted() throws Exception {
    Cancellation cancellation = new Cancellation();
    // A child that leaves its session, and a parent that waits.
    var running =
        SandboxRuns.start(
            dir,
            Cgroups.NONE,
            List.of("/bin/bash", "-c", "echo started; (setsid sleep 60 &); sleep 60"),
            cancellation);
    Path out = dir.resolve("out");
    while (!Files.exists(out) || !Files.readString(out).contains("started")) {
      assertThat(running).isNotDone();
      Thread.onSpinWait();
    }
    long cancelled = System.nanoTime();
    cancellation.cancel();
    SandboxResult r = running.get(10, java.util.concurrent.TimeUnit.SECONDS);
    System.out.printf(
        "a cancelled program ended %d ms after the cancel%n",
        (System.nanoTime() - cancelled) / 1_000_000);

    assertThat(r.timedOut()).isFalse();
    assertThat(Files.readString(out)).isEqualTo("started\n");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
  }

  @Test
  void memoryOfAllProcessesIsWatched() throws Exception {
    String hog = "import time\nb = b'x' * (40 << 20)\ntime.sleep(15)\n";
    SandboxResult r =
        run(
            List.of(
                "/bin/bash",
                "-c",
                "for i in 1 2 3; do /usr/bin/python3 -c \"$0\" & done; wait",
                hog));

    assertThat(r.oomKilled()).isTrue();
    assertThat(r.limitHit()).isEqualTo(Limit.MEMORY);
    assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aForkBombIsStoppedByTheProcessCount() throws Exception {
    // Processes that stay: each one must be counted, however briefly the watchdog looks.
    SandboxResult r =
        run(List.of("/bin/bash", "-c", "while :; do /bin/sleep 30 & done 2>/dev/null"));

    assertThat(r.processLimitHit()).isTrue();
    assertThat(r.limitHit()).isEqualTo(Limit.PROCESSES);
    assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void sharedMemoryIsCappedAndDevIsReadOnly() throws Exception {
    SandboxResult r =
        run(
            List.of(
                "/bin/bash",
                "-c",
                "touch /dev/x 2>/dev/null && echo dev-writable; "
                    + "head -c 3G /dev/zero > /dev/shm/x; stat -c %s /dev/shm/x"));

    String out = Files.readString(dir.resolve("out"));
    assertThat(out).doesNotContain("dev-writable");
    assertThat(Long.parseLong(out.strip())).isLessThanOrEqualTo(64L << 20);
  }

  @Test
  void runtimesThatReserveAddressSpaceStillRun() throws Exception {
    SandboxResult r = run(List.of("/usr/bin/node", "-e", "console.log('node runs')"));

    assertThat(r.exitCode()).as(Files.readString(dir.resolve("err"))).isZero();
    assertThat(Files.readString(dir.resolve("out"))).isEqualTo("node runs\n");
  }
}
