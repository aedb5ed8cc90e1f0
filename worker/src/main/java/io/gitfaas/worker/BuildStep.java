package io.gitfaas.worker;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.worker.egress.EgressDoors;
import io.gitfaas.worker.egress.EgressProxy;
import io.gitfaas.worker.result.Limit;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.PhaseReport;
import io.gitfaas.worker.result.Reasons;
import io.gitfaas.worker.runtime.Runtime;
import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import io.gitfaas.worker.sandbox.Cancellation;
import io.gitfaas.worker.sandbox.OutputListener;
import io.gitfaas.worker.sandbox.Sandbox;
import io.gitfaas.worker.sandbox.SandboxCommand;
import io.gitfaas.worker.sandbox.SandboxResult;
import io.gitfaas.worker.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The middle step of a task: its build, restored from the user's kept build of the commit where the
 * runtime allows it, else run step by step in the sandbox (and kept for next time).
 */
final class BuildStep {
  private static final Logger LOG = LoggerFactory.getLogger(BuildStep.class);

  private final Sandbox sandbox;
  private final TaskLimits limits;
  private final Reasons reasons;
  private final BuildCache builds;
  private final UserCaches caches;
  private final CacheTemplates templates;

  /** Null where builds have no network (BUILD_NETWORK=off). */
  private final EgressDoors egress;

  BuildStep(
      Sandbox sandbox,
      TaskLimits limits,
      Reasons reasons,
      BuildCache builds,
      UserCaches caches,
      CacheTemplates templates,
      EgressDoors egress) {
    this.templates = templates;
    this.sandbox = sandbox;
    this.limits = limits;
    this.reasons = reasons;
    this.builds = builds;
    this.caches = caches;
    this.egress = egress;
  }

  /** Whether the task is built and may run; if not, the outcome says why. */
  boolean build(
      String userKey,
      Runtime runtime,
      Workspace ws,
      Outcome.Builder outcome,
      long budgetEnd,
      Cancellation cancellation)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    // A build of no commit (a cache template's) is neither reused nor kept.
    boolean reusable = runtime.buildIsInBin() && outcome.commit() != null;
    try {
      boolean restored = reusable && restore(userKey, runtime, outcome, ws);
      if (reusable) {
        io.micrometer.core.instrument.Metrics.counter(
                "gitfaas.cache.lookups", "kind", "build", "result", restored ? "hit" : "miss")
            .increment();
      }
      if (restored) {
        outcome.phase("build: reused", PhaseReport.wall(TaskExecutor.millisSince(start)));
        return true;
      }
      boolean built;
      try {
        built =
            runSteps(
                userKey,
                runtime,
                runtime.buildSteps(ws.src()),
                ws,
                outcome,
                budgetEnd,
                cancellation);
      } catch (RefusedBuildException e) {
        outcome.fail(TaskStatus.FINISHED_ERRORS, reasons.buildRefused(e.getMessage()), null);
        return false;
      }
      if (built && reusable) {
        keep(userKey, runtime, outcome, ws);
      }
      return built;
    } finally {
      outcome.timing("build", TaskExecutor.millisSince(start));
    }
  }

  private boolean restore(String userKey, Runtime runtime, Outcome.Builder outcome, Workspace ws) {
    try {
      return builds.restore(userKey, runtime.name(), outcome.commit(), ws.bin(), ws.buildLog());
    } catch (IOException e) {
      LOG.warn("kept build not restored, building again: {}", e.toString());
      return false;
    }
  }

  private void keep(String userKey, Runtime runtime, Outcome.Builder outcome, Workspace ws) {
    caches.kept(userKey);
    try {
      builds.store(userKey, runtime.name(), outcome.commit(), ws.bin(), ws.buildLog());
    } catch (IOException e) {
      LOG.warn("build of {} not kept for reuse: {}", outcome.commit(), e.toString());
    }
  }

  private boolean runSteps(
      String userKey,
      Runtime runtime,
      List<Runtime.Step> steps,
      Workspace ws,
      Outcome.Builder outcome,
      long budgetEnd,
      Cancellation cancellation)
      throws IOException, InterruptedException, RefusedBuildException {
    // Caches are per user: one user's build can never change what another user's task runs.
    Path cache = caches.runtimeCache(userKey, runtime.name(), templates.of(runtime.name()));
    Map<String, String> env = new HashMap<>(runtime.buildEnv());
    env.put("PATH", runtime.buildPath());
    env.put("HOME", "/tmp");
    env.put("LANG", "C.UTF-8");
    Path stepLog = ws.logs().resolve("step.log");
    for (Runtime.Step step : steps) {
      if (cancellation.isCancelled()) {
        return false; // the task's processor says why
      }
      if (step.network() && egress == null) {
        outcome.fail(
            TaskStatus.FINISHED_ERRORS,
            reasons.buildNeedsNetwork(step.name()),
            Limit.BUILD_NETWORK);
        return false;
      }
      Duration left = Duration.ofNanos(budgetEnd - System.nanoTime());
      if (left.isNegative() || left.isZero()) {
        outcome.fail(TaskStatus.FINISHED_ERRORS, reasons.buildTimedOut(), Limit.BUILD_TIMEOUT);
        return false;
      }
      SandboxResult result = runStep(step, runtime, env, cache, ws, stepLog, left, cancellation);
      appendStep(ws.buildLog(), step, stepLog);
      outcome.phase("build: " + step.name(), PhaseReport.of(result, Limit.BUILD_TIMEOUT));
      Limit limit = result.limitHit();
      if (limit == Limit.TIME) {
        outcome.fail(TaskStatus.FINISHED_ERRORS, reasons.buildTimedOut(), Limit.BUILD_TIMEOUT);
        return false;
      }
      if (limit != null || !result.succeeded()) {
        outcome.fail(
            TaskStatus.FINISHED_ERRORS,
            reasons.buildFailed(step.name(), result, left, stepLog),
            limit);
        return false;
      }
      if (step.network()) {
        DownloadDir.deliver(ws.deps(), ws.src(), step);
      }
    }
    return true;
  }

  private SandboxResult runStep(
      Runtime.Step step,
      Runtime runtime,
      Map<String, String> env,
      Path cache,
      Workspace ws,
      Path stepLog,
      Duration left,
      Cancellation cancellation)
      throws IOException, InterruptedException, RefusedBuildException {
    // A download step sees copies of its manifests, never the repository itself, and gets a way
    // out of its own, closed when the step ends.
    Path stepDir = step.network() ? DownloadDir.prepare(ws.deps(), ws.src(), step) : ws.src();
    String stepDirInside = step.network() ? Runtime.DEPS_DIR : Runtime.SRC_DIR;
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
      return sandbox.run(
          spec, stepLog, null, OutputListener.NONE, OutputListener.NONE, cancellation);
    }
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
}
