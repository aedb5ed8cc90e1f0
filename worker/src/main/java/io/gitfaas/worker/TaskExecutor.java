package io.gitfaas.worker;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.task.UserKey;
import io.gitfaas.worker.git.RepositoryCloner;
import io.gitfaas.worker.git.RepositoryCloner.CloneException;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.runtime.Runtime;
import io.gitfaas.worker.runtime.RuntimeTable;
import io.gitfaas.worker.sandbox.Sandbox;
import io.gitfaas.worker.sandbox.SandboxResult;
import io.gitfaas.worker.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Clones, builds and runs one task in its workspace and says how it went. */
public final class TaskExecutor {
  static final String OUTPUT_DIR = "/work/output";
  static final String INJECT_DIR = "/work/inject";
  private static final String RUN_PATH = "/usr/local/bin:/usr/bin:/bin";

  private final RepositoryCloner cloner;
  private final RuntimeTable runtimes;
  private final Sandbox sandbox;
  private final TaskLimits limits;
  private final Path cacheRoot;

  public TaskExecutor(
      RepositoryCloner cloner,
      RuntimeTable runtimes,
      Sandbox sandbox,
      TaskLimits limits,
      Path cacheRoot) {
    this.cloner = cloner;
    this.runtimes = runtimes;
    this.sandbox = sandbox;
    this.limits = limits;
    this.cacheRoot = cacheRoot;
  }

  public Outcome execute(TaskRequest task, Workspace ws) throws IOException, InterruptedException {
    Outcome outcome = new Outcome();
    long buildBudgetEnd = System.nanoTime() + limits.buildTimeout().toNanos();
    long start = System.nanoTime();
    try {
      outcome.commit(cloner.clone(task.url(), task.ref(), ws.src(), limits.buildTimeout()));
    } catch (CloneException e) {
      outcome.fail(TaskStatus.FINISHED_ERRORS, "clone failed: " + e.getMessage(), null);
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
    boolean built = build(task, runtime, ws, outcome, buildBudgetEnd);
    outcome.timing("build", millisSince(start));
    if (!built) {
      return outcome;
    }
    start = System.nanoTime();
    SandboxResult run = sandbox.run(runSpec(task, runtime, ws), ws.stdout(), ws.stderr());
    outcome.timing("run", millisSince(start));
    outcome.truncated(run.stdoutTruncated(), run.stderrTruncated());
    if (run.timedOut()) {
      outcome.fail(
          TaskStatus.FINISHED_ERRORS,
          "killed after " + seconds(limits.runTimeout()) + " (TASK_RUN_TIMEOUT)",
          "TASK_RUN_TIMEOUT");
      outcome.exit(run.exitCode(), 9);
    } else {
      outcome.exit(run.exitCode(), run.signal());
      if (run.exitCode() != 0) {
        outcome.fail(
            TaskStatus.FINISHED_ERRORS,
            run.signal() != null
                ? "killed by signal " + run.signal()
                : "exited with code " + run.exitCode(),
            null);
      }
    }
    return outcome;
  }

  private boolean build(
      TaskRequest task, Runtime runtime, Workspace ws, Outcome outcome, long budgetEnd)
      throws IOException, InterruptedException {
    Path cache = cacheRoot.resolve(UserKey.of(task.owner())).resolve(runtime.name());
    Files.createDirectories(cache);
    Map<Path, String> binds =
        Map.of(ws.src(), Runtime.SRC_DIR, ws.bin(), Runtime.BIN_DIR, cache, Runtime.CACHE_DIR);
    Map<String, String> env = new HashMap<>(runtime.buildEnv());
    env.put("PATH", runtime.buildPath());
    env.put("HOME", "/tmp");
    env.put("LANG", "C.UTF-8");
    Path stepLog = ws.logs().resolve("step.log");
    for (Runtime.Step step : runtime.buildSteps(ws.src())) {
      Duration left = Duration.ofNanos(budgetEnd - System.nanoTime());
      if (left.isNegative() || left.isZero()) {
        outcome.fail(TaskStatus.FINISHED_ERRORS, buildTimeoutReason(), "TASK_BUILD_TIMEOUT");
        return false;
      }
      SandboxSpec spec =
          new SandboxSpec(
              step.command(),
              Runtime.SRC_DIR,
              binds,
              runtime.toolchain(),
              env,
              step.network(),
              left,
              limits.maxOutputBytes());
      SandboxResult result = sandbox.run(spec, stepLog, null);
      appendStep(ws.buildLog(), step, stepLog);
      if (result.timedOut()) {
        outcome.fail(TaskStatus.FINISHED_ERRORS, buildTimeoutReason(), "TASK_BUILD_TIMEOUT");
        return false;
      }
      if (!result.succeeded()) {
        outcome.fail(
            TaskStatus.FINISHED_ERRORS,
            "build failed (" + step.name() + "): " + tail(stepLog, 600),
            null);
        return false;
      }
    }
    return true;
  }

  private SandboxSpec runSpec(TaskRequest task, Runtime runtime, Workspace ws) {
    Map<String, String> env =
        Map.of(
            "PATH",
            RUN_PATH,
            "HOME",
            "/tmp",
            "TMPDIR",
            "/tmp",
            "LANG",
            "C.UTF-8",
            "OUTPUT_DIR",
            OUTPUT_DIR,
            "INJECT_DIR",
            INJECT_DIR,
            "TASK_ID",
            task.taskId().toString());
    return new SandboxSpec(
        runtime.runCommand(task.parameters()),
        Runtime.SRC_DIR,
        Map.of(ws.src(), Runtime.SRC_DIR, ws.output(), OUTPUT_DIR),
        Map.of(ws.bin(), Runtime.BIN_DIR, ws.inject(), INJECT_DIR),
        env,
        false,
        limits.runTimeout(),
        limits.maxOutputBytes());
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

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
