package io.gitfaas.worker;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.task.UserKey;
import io.gitfaas.worker.egress.EgressDoors;
import io.gitfaas.worker.egress.EgressProxy;
import io.gitfaas.worker.git.RepositoryCloner;
import io.gitfaas.worker.git.RepositoryCloner.CloneException;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.PhaseReport;
import io.gitfaas.worker.runtime.Runtime;
import io.gitfaas.worker.runtime.RuntimeTable;
import io.gitfaas.worker.sandbox.OutputListener;
import io.gitfaas.worker.sandbox.Sandbox;
import io.gitfaas.worker.sandbox.SandboxCommand;
import io.gitfaas.worker.sandbox.SandboxResult;
import io.gitfaas.worker.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Clones, builds and runs one task in its workspace and says how it went. */
public final class TaskExecutor {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TaskExecutor.class);
  static final String OUTPUT_DIR = "/work/output";
  static final String INJECT_DIR = "/work/inject";
  private static final String RUN_PATH = "/usr/local/bin:/usr/bin:/bin";

  private final RepositoryCloner cloner;
  private final RuntimeTable runtimes;
  private final Sandbox sandbox;
  private final TaskLimits limits;
  private final Path cacheRoot;

  /** Null where builds have no network (BUILD_NETWORK=off). */
  private final EgressDoors egress;

  private final InjectedFiles injected;

  public TaskExecutor(
      RepositoryCloner cloner,
      RuntimeTable runtimes,
      Sandbox sandbox,
      TaskLimits limits,
      Path cacheRoot,
      long userCacheLimit,
      EgressDoors egress,
      InjectedFiles injected,
      Live live) {
    this.cloner = cloner;
    this.runtimes = runtimes;
    this.sandbox = sandbox;
    this.limits = limits;
    this.cacheRoot = cacheRoot;
    this.egress = egress;
    this.injected = injected;
    this.live = live;
    this.builds = new BuildCache(cacheRoot, BUILDS_KEPT_PER_USER);
    this.sources = new SourceCache(cacheRoot, BUILDS_KEPT_PER_USER);
    this.caches = new UserCaches(cacheRoot, userCacheLimit);
  }

  /** Builds and clones kept per user for reuse (the newest). */
  static final int BUILDS_KEPT_PER_USER = 20;

  private final BuildCache builds;
  private final SourceCache sources;
  private final UserCaches caches;

  /** How long asking the server for a ref's commit may take before the task just clones. */
  static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(10);

  private final Live live;

  /** Where a run's output goes as it is produced (besides its files). */
  public interface Live {
    OutputListener listener(TaskRequest task, String stream);

    void end(TaskRequest task);
  }

  /** The admins' injected files, as a directory kept up to date for each run. */
  public interface InjectedFiles {
    Path refresh();
  }

  public Outcome execute(TaskRequest task, Workspace ws) throws IOException, InterruptedException {
    try {
      return cloneBuildAndRun(task, ws);
    } finally {
      caches.trimIfGrown(UserKey.of(task.owner()));
    }
  }

  private Outcome cloneBuildAndRun(TaskRequest task, Workspace ws)
      throws IOException, InterruptedException {
    Outcome outcome = new Outcome();
    long buildBudgetEnd = System.nanoTime() + limits.buildTimeout().toNanos();
    long start = System.nanoTime();
    String userKey = UserKey.of(task.owner());
    try {
      if (reuseSource(task, userKey, ws, outcome)) {
        outcome.phase("clone: reused", PhaseReport.wall(millisSince(start), null));
      } else {
        outcome.commit(cloner.clone(task.url(), task.ref(), ws.src(), limits.buildTimeout()));
        outcome.phase("clone", PhaseReport.wall(millisSince(start), null));
        keepSource(task, userKey, outcome.commit(), ws);
      }
    } catch (CloneException e) {
      outcome.fail(TaskStatus.FINISHED_ERRORS, "clone failed: " + e.getMessage(), null);
      outcome.phase("clone", PhaseReport.wall(millisSince(start), null));
      return outcome;
    } finally {
      outcome.timing("clone", millisSince(start));
    }
    Optional<Runtime> detected = runtimes.detect(ws.src());
    if (detected.isEmpty()) {
      outcome.fail(
          TaskStatus.FINISHED_ERRORS,
          "no supported runtime at the repository root; supported: " + runtimes.supported(),
          null);
      return outcome;
    }
    Runtime runtime = detected.get();
    outcome.runtime(runtime.name());
    start = System.nanoTime();
    boolean cached = runtime.buildIsInBin() && restoreBuild(userKey, runtime, outcome, ws);
    boolean built = cached || build(task, runtime, ws, outcome, buildBudgetEnd);
    if (cached) {
      outcome.phase("build: reused", PhaseReport.wall(millisSince(start), null));
    } else if (built && runtime.buildIsInBin()) {
      try {
        caches.kept(userKey);
        builds.store(userKey, runtime.name(), outcome.commit(), ws.bin(), ws.buildLog());
      } catch (IOException e) {
        LOG.warn("task {}: build not kept for reuse: {}", task.taskId(), e.toString());
      }
    }
    outcome.timing("build", millisSince(start));
    if (!built) {
      return outcome;
    }
    SandboxResult run =
        sandbox.run(
            runSpec(task, runtime, ws),
            ws.stdout(),
            ws.stderr(),
            live.listener(task, "stdout"),
            live.listener(task, "stderr"));
    live.end(task);
    outcome.timing("run", run.wallTime().toMillis());
    outcome.phase("run", PhaseReport.of(run, "TASK_RUN_TIMEOUT"));
    outcome.truncated(run.stdoutTruncated(), run.stderrTruncated());
    outcome.exit(run.exitCode(), run.timedOut() ? Integer.valueOf(9) : run.signal());
    String limit = run.limitHit();
    if (limit != null) {
      String setting = "TIMEOUT".equals(limit) ? "TASK_RUN_TIMEOUT" : limit;
      outcome.fail(TaskStatus.FINISHED_ERRORS, limitReason(run, limits.runTimeout()), setting);
    } else if (run.exitCode() != 0) {
      outcome.fail(
          TaskStatus.FINISHED_ERRORS,
          run.signal() != null
              ? "killed by signal " + run.signal()
              : "exited with code " + run.exitCode(),
          null);
    }
    return outcome;
  }

  /**
   * Restores the user's kept clone of the commit the task's ref is on now, if there is one. The
   * server is asked for the commit only for a repository the user cloned before: a new one is
   * cloned straight away.
   */
  private boolean reuseSource(TaskRequest task, String userKey, Workspace ws, Outcome outcome) {
    try {
      if (!sources.seen(userKey, task.url()) && !RepositoryCloner.isFullCommit(task.ref())) {
        return false;
      }
      Optional<String> commit = cloner.resolve(task.url(), task.ref(), RESOLVE_TIMEOUT);
      if (commit.isPresent() && sources.restore(userKey, commit.get(), ws.src())) {
        outcome.commit(commit.get());
        return true;
      }
    } catch (IOException e) {
      LOG.warn("task {}: kept clone not restored, cloning: {}", task.taskId(), e.toString());
    }
    Trees.removeQuietly(ws.src()); // whatever a failed restore left
    return false;
  }

  private void keepSource(TaskRequest task, String userKey, String commit, Workspace ws) {
    caches.kept(userKey);
    try {
      sources.store(userKey, task.url(), commit, ws.src());
    } catch (IOException e) {
      LOG.warn("task {}: clone not kept for reuse: {}", task.taskId(), e.toString());
    }
  }

  private boolean restoreBuild(String userKey, Runtime runtime, Outcome outcome, Workspace ws) {
    try {
      return builds.restore(userKey, runtime.name(), outcome.commit(), ws.bin(), ws.buildLog());
    } catch (IOException e) {
      LOG.warn("kept build not restored, building again: {}", e.toString());
      return false;
    }
  }

  private boolean build(
      TaskRequest task, Runtime runtime, Workspace ws, Outcome outcome, long budgetEnd)
      throws IOException, InterruptedException {
    List<Runtime.Step> steps;
    try {
      steps = runtime.buildSteps(ws.src());
    } catch (Runtime.RefusedBuildException e) {
      outcome.fail(TaskStatus.FINISHED_ERRORS, "build refused: " + e.getMessage(), null);
      return false;
    }
    try {
      return runSteps(task, runtime, steps, ws, outcome, budgetEnd);
    } catch (Runtime.RefusedBuildException e) {
      outcome.fail(TaskStatus.FINISHED_ERRORS, "build refused: " + e.getMessage(), null);
      return false;
    }
  }

  private boolean runSteps(
      TaskRequest task,
      Runtime runtime,
      List<Runtime.Step> steps,
      Workspace ws,
      Outcome outcome,
      long budgetEnd)
      throws IOException, InterruptedException, Runtime.RefusedBuildException {
    // Caches are per user: one user's build can never change what another user's task runs.
    Path cache = caches.runtimeCache(UserKey.of(task.owner()), runtime.name());
    Map<String, String> env = new HashMap<>(runtime.buildEnv());
    env.put("PATH", runtime.buildPath());
    env.put("HOME", "/tmp");
    env.put("LANG", "C.UTF-8");
    Path stepLog = ws.logs().resolve("step.log");
    for (Runtime.Step step : steps) {
      if (step.network() && egress == null) {
        outcome.fail(
            TaskStatus.FINISHED_ERRORS,
            "build needs to download dependencies ("
                + step.name()
                + "), but builds on this service have no network (BUILD_NETWORK=off)",
            "BUILD_NETWORK");
        return false;
      }
      Duration left = Duration.ofNanos(budgetEnd - System.nanoTime());
      if (left.isNegative() || left.isZero()) {
        outcome.fail(TaskStatus.FINISHED_ERRORS, buildTimeoutReason(), "TASK_BUILD_TIMEOUT");
        return false;
      }
      // A download step sees copies of its manifests, never the repository itself.
      Path stepDir = step.network() ? DownloadDir.prepare(ws.deps(), ws.src(), step) : ws.src();
      String stepDirInside = step.network() ? Runtime.DEPS_DIR : Runtime.SRC_DIR;
      SandboxResult result;
      // A download step gets a way out of its own, closed when the step ends.
      try (EgressProxy door = step.network() ? egress.open() : null) {
        Map<Path, String> readOnly = new HashMap<>(runtime.toolchain());
        if (door != null) {
          readOnly.put(door.socket(), SandboxCommand.EGRESS_SOCKET);
        }
        SandboxSpec spec =
            new SandboxSpec(
                step.command(),
                stepDirInside,
                Map.of(stepDir, stepDirInside, ws.bin(), Runtime.BIN_DIR, cache, Runtime.CACHE_DIR),
                readOnly,
                env,
                step.network(),
                left,
                limits.maxOutputBytes(),
                new SandboxSpec.Limits(
                    limits.memoryLimit(),
                    limits.maxProcesses(),
                    limits.diskLimit(),
                    List.of(ws.src(), ws.bin(), ws.deps()),
                    cache,
                    caches.limit()));
        result = sandbox.run(spec, stepLog, null);
      }
      appendStep(ws.buildLog(), step, stepLog);
      outcome.phase("build: " + step.name(), PhaseReport.of(result, "TASK_BUILD_TIMEOUT"));
      String limit = result.limitHit();
      if ("TIMEOUT".equals(limit)) {
        outcome.fail(TaskStatus.FINISHED_ERRORS, buildTimeoutReason(), "TASK_BUILD_TIMEOUT");
        return false;
      }
      if (limit != null) {
        outcome.fail(
            TaskStatus.FINISHED_ERRORS,
            "build failed (" + step.name() + "): " + limitReason(result, left),
            limit);
        return false;
      }
      if (!result.succeeded()) {
        outcome.fail(
            TaskStatus.FINISHED_ERRORS,
            "build failed (" + step.name() + "): " + tail(stepLog, 600),
            null);
        return false;
      }
      if (step.network()) {
        DownloadDir.deliver(ws.deps(), ws.src(), step);
      }
    }
    return true;
  }

  private SandboxSpec runSpec(TaskRequest task, Runtime runtime, Workspace ws) {
    Map<String, String> env = new HashMap<>(runtime.runEnv());
    env.put("PATH", RUN_PATH);
    env.put("HOME", "/tmp");
    env.put("TMPDIR", "/tmp");
    env.put("LANG", "C.UTF-8");
    env.put("OUTPUT_DIR", OUTPUT_DIR);
    env.put("INJECT_DIR", INJECT_DIR);
    env.put("TASK_ID", task.taskId().toString());
    return new SandboxSpec(
        runtime.runCommand(ws.src(), task.parameters()),
        Runtime.SRC_DIR,
        Map.of(ws.src(), Runtime.SRC_DIR, ws.output(), OUTPUT_DIR),
        Map.of(ws.bin(), Runtime.BIN_DIR, injected.refresh(), INJECT_DIR),
        env,
        false,
        limits.runTimeout(),
        limits.maxOutputBytes(),
        sandboxLimits(List.of(ws.src(), ws.output())));
  }

  private SandboxSpec.Limits sandboxLimits(List<Path> writable) {
    return new SandboxSpec.Limits(
        limits.memoryLimit(), limits.maxProcesses(), limits.diskLimit(), writable);
  }

  /** The user's reason for a program a limit stopped. */
  private String limitReason(SandboxResult r, Duration timeout) {
    return switch (r.limitHit()) {
      case "TASK_DISK_LIMIT" ->
          "killed: files grew past " + bytes(limits.diskLimit()) + " (TASK_DISK_LIMIT)";
      case "TASK_MEMORY_LIMIT" ->
          "killed: out of memory, the limit is "
              + bytes(limits.memoryLimit())
              + " (TASK_MEMORY_LIMIT)";
      case "TIMEOUT" -> "killed after " + seconds(timeout) + " (TASK_RUN_TIMEOUT)";
      case "USER_CACHE_LIMIT" ->
          "killed: the build's caches grew past " + bytes(caches.limit()) + " (USER_CACHE_LIMIT)";
      case "TASK_MAX_PROCESSES" ->
          "reached the process limit of "
              + limits.maxProcesses()
              + " (TASK_MAX_PROCESSES) and "
              + (r.timedOut()
                  ? "was killed after " + seconds(timeout)
                  : "exited with code " + r.exitCode());
      default -> "stopped by " + r.limitHit();
    };
  }

  private String buildTimeoutReason() {
    return "clone and build did not finish in "
        + seconds(limits.buildTimeout())
        + " (TASK_BUILD_TIMEOUT)";
  }

  private static void appendStep(Path buildLog, Runtime.Step step, Path stepLog)
      throws IOException {
    Files.writeString(
        buildLog,
        "$ " + String.join(" ", step.command()) + "\n",
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    Files.write(buildLog, Files.readAllBytes(stepLog), StandardOpenOption.APPEND);
  }

  /** The end of a log, for a reason line: where compilers put the error. */
  static String tail(Path log, int maxChars) throws IOException {
    String text = Files.readString(log, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "no output";
    }
    return text.length() <= maxChars ? text : "..." + text.substring(text.length() - maxChars);
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  static String bytes(long n) {
    if (n >= 1L << 30 && n % (1L << 30) == 0) {
      return (n >> 30) + " GiB";
    }
    return n >= 1L << 20 ? (n >> 20) + " MiB" : (n >> 10) + " KiB";
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
