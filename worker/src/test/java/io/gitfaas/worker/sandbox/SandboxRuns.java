package io.gitfaas.worker.sandbox;

import io.gitfaas.worker.limits.Cgroups;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A program run in the sandbox as these tests run one: small limits, its output in a directory. */
final class SandboxRuns {
  private SandboxRuns() {}

  /** Runs {@code command}; stdout and stderr go to {@code dir}'s "out" and "err". */
  static SandboxResult run(
      Path dir, Cgroups cgroups, List<String> command, Cancellation cancellation) throws Exception {
    SandboxCommand.writeIdentity(dir.resolve("id"));
    Sandbox sandbox =
        new Sandbox(
            new SandboxCommand(Path.of("/usr/bin/bwrap"), dir.resolve("id")),
            Path.of("/usr/bin/prlimit"),
            cgroups);
    SandboxSpec spec =
        new SandboxSpec(
            command,
            "/",
            Map.of(),
            Map.of(),
            Map.of("PATH", "/usr/bin:/bin"),
            false,
            Duration.ofSeconds(20),
            1 << 20,
            new SandboxSpec.Limits(96L << 20, 64, 64L << 20, List.of()));
    return sandbox.run(
        spec,
        dir.resolve("out"),
        dir.resolve("err"),
        OutputListener.NONE,
        OutputListener.NONE,
        cancellation);
  }

  /** As {@link #run}, on another thread, until {@code cancellation} or the program ends it. */
  static CompletableFuture<SandboxResult> start(
      Path dir, Cgroups cgroups, List<String> command, Cancellation cancellation) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return run(dir, cgroups, command, cancellation);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
