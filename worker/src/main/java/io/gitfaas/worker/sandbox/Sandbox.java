package io.gitfaas.worker.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs programs in bubblewrap, with a deadline that kills the whole process tree. */
public final class Sandbox {
  private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
  private final SandboxCommand command;

  public Sandbox(SandboxCommand command) {
    this.command = command;
  }

  /**
   * Runs the spec; stdout and stderr go to the given files, each capped at the spec's limit ({@code
   * stderr} null: both into {@code stdout}). When the deadline passes, bubblewrap is killed: its
   * init process dies with it (--die-with-parent), and with the pid namespace's init the kernel
   * kills every process the program started, however it detached.
   */
  public SandboxResult run(SandboxSpec spec, Path stdout, Path stderr)
      throws IOException, InterruptedException {
    List<String> argv = command.argv(spec);
    LOG.debug("sandbox: {}", argv);
    long start = System.nanoTime();
    boolean merged = stderr == null;
    Process process =
        new ProcessBuilder(argv)
            .redirectInput(ProcessBuilder.Redirect.from(devNull()))
            .redirectErrorStream(merged)
            .start();
    CappedCopy out = new CappedCopy(process.getInputStream(), stdout, spec.maxOutputBytes());
    CappedCopy err =
        merged ? null : new CappedCopy(process.getErrorStream(), stderr, spec.maxOutputBytes());
    Thread outThread = daemon("sandbox-stdout", out);
    Thread errThread = merged ? null : daemon("sandbox-stderr", err);
    boolean timedOut;
    try {
      timedOut = !process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      process.destroyForcibly().waitFor();
      throw e;
    }
    if (timedOut) {
      process.destroyForcibly();
      process.waitFor();
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    // The pipes close when the last process of the sandbox is gone, which is now.
    outThread.join(5_000);
    if (errThread != null) {
      errThread.join(5_000);
    }
    return new SandboxResult(
        timedOut ? 137 : process.exitValue(),
        timedOut,
        wall,
        out.total(),
        merged ? 0 : err.total(),
        out.truncated(),
        !merged && err.truncated());
  }

  /**
   * Refuses to go on when the sandbox does not work on this host: tasks are never run without it.
   */
  public void selfCheck(Path scratch) throws IOException, InterruptedException {
    Files.createDirectories(scratch);
    Path out = Files.createTempFile(scratch, "sandbox-check", ".out");
    Path err = Files.createTempFile(scratch, "sandbox-check", ".err");
    try {
      check(out, err);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private void check(Path out, Path err) throws IOException, InterruptedException {
    SandboxSpec spec =
        new SandboxSpec(
            List.of("/bin/true"),
            "/",
            Map.of(),
            Map.of(),
            Map.of(),
            false,
            Duration.ofSeconds(10),
            4096);
    SandboxResult result;
    try {
      result = run(spec, out, err);
    } catch (IOException e) {
      throw new IllegalStateException(
          "bubblewrap cannot be started ("
              + e.getMessage()
              + "); install it (apt-get install"
              + " bubblewrap): tasks never run unsandboxed",
          e);
    }
    if (!result.succeeded()) {
      throw new IllegalStateException(
          "the sandbox does not work on this host (bubblewrap exited "
              + result.exitCode()
              + ": "
              + Files.readString(err).trim()
              + "); unprivileged user"
              + " namespaces must be allowed (kernel.unprivileged_userns_clone=1, and in a"
              + " container a seccomp/apparmor profile that permits them)");
    }
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static java.io.File devNull() {
    return new java.io.File("/dev/null");
  }
}
