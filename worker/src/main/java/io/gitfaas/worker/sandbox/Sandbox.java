package io.gitfaas.worker.sandbox;

import io.gitfaas.concurrent.DaemonThreads;
import io.gitfaas.worker.limits.Cgroups;
import io.gitfaas.worker.limits.DiskWatch;
import io.gitfaas.worker.limits.TaskCgroup;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs programs in bubblewrap under limits: time (the whole process tree is killed), memory and
 * processes for the program as a whole (a cgroup), file size and open files (rlimits), and the size
 * of its writable directories (measured while it runs).
 */
public final class Sandbox {
  private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
  private static final Duration DISK_CHECK_EVERY = Duration.ofMillis(250);
  private static final int MAX_OPEN_FILES = 1024;

  /**
   * Opens the syscall filter as descriptor 3 for bubblewrap's --seccomp, then execs the rest of the
   * argv: a fixed script, which takes the filter's path as $0 and every other word, task parameters
   * included, as "$@", never parsing them (Java can hand a child no descriptor but 0-2).
   */
  private static final List<String> SECCOMP_LAUNCH =
      List.of(
          "/bin/sh",
          "-c",
          // the shell exports PWD, which would show the worker's directory in /proc/1/environ
          "unset PWD; exec \"$@\" " + SandboxCommand.SECCOMP_FD + "<\"$0\"");

  private final SandboxCommand command;
  private final Path prlimit;
  private final Cgroups cgroups;
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("disk-watchdog"));

  /** Copies the programs' output; a thread made per program cost about a millisecond a run. */
  private static final ExecutorService OUTPUT_COPIES =
      Executors.newCachedThreadPool(DaemonThreads.named("sandbox-output"));

  public Sandbox(SandboxCommand command, Path prlimit, Cgroups cgroups) {
    this.command = command;
    this.prlimit = prlimit;
    this.cgroups = cgroups;
  }

  /**
   * Runs the spec; stdout and stderr go to the given files, each capped at the spec's limit ({@code
   * stderr} null: both into {@code stdout}).
   *
   * <p>bubblewrap waits on its stdin (--block-fd) until the worker has put all of its processes
   * into the task's cgroup, so no process of the task ever runs outside it. At the deadline
   * bubblewrap is killed: its init process dies with it (--die-with-parent), and with the pid
   * namespace's init the kernel kills every process the program started, however it detached.
   */
  public SandboxResult run(SandboxSpec spec, Path stdout, Path stderr)
      throws IOException, InterruptedException {
    return run(spec, stdout, stderr, OutputListener.NONE, OutputListener.NONE);
  }

  /** As above, and the listeners hear stdout and stderr as they are written. */
  public SandboxResult run(
      SandboxSpec spec, Path stdout, Path stderr, OutputListener onStdout, OutputListener onStderr)
      throws IOException, InterruptedException {
    return run(spec, stdout, stderr, onStdout, onStderr, Cancellation.NEVER);
  }

  /**
   * As above; when {@code cancellation} is cancelled while the program runs, the whole process tree
   * is killed at once, as at the deadline (the result says how far it got; the caller asks the
   * cancellation why it ended).
   */
  public SandboxResult run(
      SandboxSpec spec,
      Path stdout,
      Path stderr,
      OutputListener onStdout,
      OutputListener onStderr,
      Cancellation cancellation)
      throws IOException, InterruptedException {
    SandboxSpec.Limits limits = spec.limits();
    List<String> argv = new ArrayList<>(SECCOMP_LAUNCH);
    argv.add(command.seccompFilter().toString());
    argv.add(prlimit.toString());
    argv.add("--fsize=" + limits.diskBytes());
    argv.add("--nofile=" + MAX_OPEN_FILES);
    argv.add("--core=0");
    argv.add("--");
    argv.addAll(command.argv(spec));
    LOG.debug("sandbox: {}", argv);
    boolean merged = stderr == null;
    try (TaskCgroup cgroup =
        cgroups.create(UUID.randomUUID().toString(), limits.memoryBytes(), limits.maxProcesses())) {
      long start = System.nanoTime();
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(merged);
      // Not even bubblewrap gets the worker's environment: the sandbox's init process would
      // show it in /proc/1/environ.
      pb.environment().clear();
      Process process = pb.start();
      io.micrometer.core.instrument.Metrics.counter("gitfaas.sandbox.starts").increment();
      CappedCopy out =
          new CappedCopy(process.getInputStream(), stdout, spec.maxOutputBytes(), onStdout);
      CappedCopy err =
          merged
              ? null
              : new CappedCopy(process.getErrorStream(), stderr, spec.maxOutputBytes(), onStderr);
      Future<?> outCopy = OUTPUT_COPIES.submit(out);
      Future<?> errCopy = merged ? null : OUTPUT_COPIES.submit(err);
      AtomicBoolean diskExceeded = new AtomicBoolean();
      AtomicBoolean memoryExceeded = new AtomicBoolean();
      AtomicBoolean processesExceeded = new AtomicBoolean();
      AtomicBoolean cacheExceeded = new AtomicBoolean();
      Future<?> diskCheck = null;
      boolean timedOut;
      try (Cancellation.Registration stop = cancellation.whileRunning(process::destroyForcibly)) {
        joinAll(process, cgroup);
        release(process);
        diskCheck =
            watch(process, limits, diskExceeded, memoryExceeded, processesExceeded, cacheExceeded);
        timedOut = !process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
      } finally {
        if (diskCheck != null) {
          diskCheck.cancel(false);
        }
        if (process.isAlive()) {
          process.destroyForcibly();
          process.waitFor();
        }
      }
      Duration wall = Duration.ofNanos(System.nanoTime() - start);
      // The pipes close when the last process of the sandbox is gone, which is now.
      awaitCopy(outCopy);
      if (errCopy != null) {
        awaitCopy(errCopy);
      }
      TaskCgroup.Usage usage = cgroup.usage();
      return new SandboxResult(
          timedOut ? 137 : process.exitValue(),
          timedOut,
          wall,
          out.total(),
          merged ? 0 : err.total(),
          out.truncated(),
          !merged && err.truncated(),
          usage.oomKilled() || memoryExceeded.get(),
          usage.processLimitHit() || processesExceeded.get(),
          diskExceeded.get(),
          cacheExceeded.get(),
          usage.peakMemoryBytes(),
          usage.cpuMillis());
    }
  }

  /**
   * Moves bubblewrap and every process it has forked so far into the cgroup; the program itself has
   * not started yet (bubblewrap's sandbox process is blocked on its stdin). A process is moved
   * before its children are listed, so whatever it forks from then on is born inside, and what it
   * forked before is on the list: the kernel's list of each thread's children
   * (/proc/PID/task/TID/children), a few reads. Where the kernel keeps no such list, every process
   * on the host is looked at, pass after pass, until one finds nothing new (milliseconds per pass).
   */
  private static void joinAll(Process process, TaskCgroup cgroup) throws IOException {
    Set<Long> moved = new HashSet<>();
    ArrayDeque<Long> next = new ArrayDeque<>(List.of(process.pid()));
    while (!next.isEmpty()) {
      long pid = next.poll();
      if (!moved.add(pid)) {
        continue;
      }
      join(cgroup, pid);
      Optional<List<Long>> children = ProcessTree.children(pid);
      if (children.isEmpty()) {
        joinByScanning(process, cgroup, moved);
        return;
      }
      next.addAll(children.get());
    }
  }

  private static void joinByScanning(Process process, TaskCgroup cgroup, Set<Long> moved)
      throws IOException {
    boolean found = true;
    while (found) {
      found = false;
      List<ProcessHandle> all = new ArrayList<>();
      all.add(process.toHandle());
      process.descendants().forEach(all::add);
      for (ProcessHandle h : all) {
        if (moved.add(h.pid())) {
          found = true;
          join(cgroup, h.pid());
        }
      }
    }
  }

  /** Moves one process; one that has exited meanwhile needs no moving. */
  private static void join(TaskCgroup cgroup, long pid) throws IOException {
    try {
      cgroup.join(pid);
    } catch (IOException e) {
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        throw e;
      }
    }
  }

  private static void release(Process process) {
    try (OutputStream go = process.getOutputStream()) {
      go.write('\n');
    } catch (IOException e) {
      // bubblewrap already exited (e.g. a bad bind): its exit code tells
    }
  }

  /**
   * Measures the writable directories, and where there is no cgroup the memory and the number of
   * all the task's processes, until the process ends. The pause between two measurements is at
   * least twice the last one's duration, so a task with very many files cannot make the watchdog
   * eat the machine.
   */
  private Future<?> watch(
      Process process,
      SandboxSpec.Limits limits,
      AtomicBoolean diskExceeded,
      AtomicBoolean memoryExceeded,
      AtomicBoolean processesExceeded,
      AtomicBoolean cacheExceeded) {
    boolean watchMemory = !cgroups.available();
    if (limits.watched().isEmpty() && limits.cache() == null && !watchMemory) {
      return null;
    }
    AtomicReference<ScheduledFuture<?>> next = new AtomicReference<>();
    AtomicBoolean stopped = new AtomicBoolean();
    Runnable check =
        new Runnable() {
          @Override
          public void run() {
            if (stopped.get() || !process.isAlive()) {
              return;
            }
            try {
              checkOnce();
            } catch (RuntimeException e) {
              // A watchdog that stops would leave the task unlimited: stop the task instead.
              LOG.warn("sandbox watchdog failed; stopping the task: {}", e.toString());
              process.destroyForcibly();
            }
          }

          private void checkOnce() {
            long start = System.nanoTime();
            if (DiskWatch.usage(limits.watched(), limits.diskBytes()) > limits.diskBytes()) {
              diskExceeded.set(true);
              process.destroyForcibly();
              return;
            }
            // bubblewrap and its init are two of the tree; RLIMIT_NPROC is no substitute, as it
            // counts every process of the worker's user, and none of root's.
            if (limits.cache() != null
                && DiskWatch.usage(List.of(limits.cache()), limits.cacheBytes())
                    > limits.cacheBytes()) {
              cacheExceeded.set(true);
              process.destroyForcibly();
              return;
            }
            if (!watchMemory) {
              scheduleNext(start);
              return;
            }
            List<Long> tree = ProcessTree.of(process.pid());
            if (tree.size() - 2 > limits.maxProcesses()) {
              processesExceeded.set(true);
              process.destroyForcibly();
              return;
            }
            if (ResidentMemory.of(tree) > limits.memoryBytes()) {
              memoryExceeded.set(true);
              process.destroyForcibly();
              return;
            }
            scheduleNext(start);
          }

          private void scheduleNext(long start) {
            long took = (System.nanoTime() - start) / 1_000_000;
            long pause = Math.max(DISK_CHECK_EVERY.toMillis(), 2 * took);
            next.set(watchdog.schedule(this, pause, TimeUnit.MILLISECONDS));
          }
        };
    next.set(watchdog.schedule(check, DISK_CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS));
    return new java.util.concurrent.CompletableFuture<Void>() {
      @Override
      public boolean cancel(boolean mayInterrupt) {
        stopped.set(true);
        ScheduledFuture<?> f = next.get();
        return f == null || f.cancel(false);
      }
    };
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

  /** Succeeds only where the syscall filter is on and no namespace can be made. */
  private static final String SELF_CHECK =
      "grep -q '^Seccomp:[[:space:]]*2' /proc/self/status"
          + " && ! /usr/bin/unshare -U /bin/true 2>/dev/null"
          + " || { echo 'the syscall filter is not active' >&2; exit 1; }";

  private void check(Path out, Path err) throws IOException, InterruptedException {
    SandboxSpec spec =
        new SandboxSpec(
            List.of("/bin/sh", "-c", SELF_CHECK),
            "/",
            Map.of(),
            Map.of(),
            Map.of(),
            false,
            Duration.ofSeconds(10),
            4096,
            new SandboxSpec.Limits(64L << 20, 16, 1 << 20, List.of()));
    SandboxResult result;
    try {
      result = run(spec, out, err);
    } catch (IOException e) {
      throw new IllegalStateException(
          "bubblewrap cannot be started ("
              + e.getMessage()
              + "); install it (apt-get install bubblewrap): tasks never run unsandboxed",
          e);
    }
    if (!result.succeeded()) {
      throw new IllegalStateException(
          "the sandbox does not work on this host (bubblewrap exited "
              + result.exitCode()
              + ": "
              + Files.readString(err).trim()
              + "); unprivileged user namespaces must be allowed"
              + " (kernel.unprivileged_userns_clone=1, and in a container a seccomp/AppArmor"
              + " profile that permits them)");
    }
  }

  /** Waits up to 5 s for an output copy, which ends when the pipe closes. */
  private static void awaitCopy(Future<?> copy) throws InterruptedException {
    try {
      copy.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("sandbox output copy did not end cleanly: {}", e.toString());
    }
  }
}
