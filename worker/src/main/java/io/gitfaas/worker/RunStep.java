package io.gitfaas.worker;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.worker.result.Limit;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.PhaseReport;
import io.gitfaas.worker.result.Reasons;
import io.gitfaas.worker.runtime.Runtime;
import io.gitfaas.worker.sandbox.Cancellation;
import io.gitfaas.worker.sandbox.Sandbox;
import io.gitfaas.worker.sandbox.SandboxResult;
import io.gitfaas.worker.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The last step of a task: its program, with the parameters as argv, in the sandbox. */
final class RunStep {
  static final String OUTPUT_DIR = "/work/output";
  static final String INJECT_DIR = "/work/inject";
  private static final String RUN_PATH = "/usr/local/bin:/usr/bin:/bin";

  private final Sandbox sandbox;
  private final TaskLimits limits;
  private final Reasons reasons;
  private final TaskExecutor.InjectedFiles injected;
  private final TaskExecutor.Live live;

  RunStep(
      Sandbox sandbox,
      TaskLimits limits,
      Reasons reasons,
      TaskExecutor.InjectedFiles injected,
      TaskExecutor.Live live) {
    this.sandbox = sandbox;
    this.limits = limits;
    this.reasons = reasons;
    this.injected = injected;
    this.live = live;
  }

  void run(
      TaskRequest task,
      Runtime runtime,
      Workspace ws,
      Outcome.Builder outcome,
      Cancellation cancellation)
      throws IOException, InterruptedException {
    SandboxResult run =
        sandbox.run(
            spec(task, runtime, ws),
            ws.stdout(),
            ws.stderr(),
            live.listener(task, "stdout"),
            live.listener(task, "stderr"),
            cancellation);
    outcome.timing("run", run.wallTime().toMillis());
    outcome.phase("run", PhaseReport.of(run, Limit.RUN_TIMEOUT));
    outcome.truncated(run.stdoutTruncated(), run.stderrTruncated());
    outcome.exit(run.exitCode(), run.timedOut() ? Integer.valueOf(9) : run.signal());
    String reason = reasons.runEnded(run);
    if (reason != null) {
      Limit limit = run.limitHit() == null ? null : run.limitHit().timedOutAs(Limit.RUN_TIMEOUT);
      outcome.fail(TaskStatus.FINISHED_ERRORS, reason, limit);
    }
  }

  private Map<Path, String> readOnly(Runtime runtime, Workspace ws) {
    Map<Path, String> binds = new HashMap<>(runtime.runToolchain());
    binds.put(ws.bin(), Runtime.BIN_DIR);
    binds.put(injected.refresh(), INJECT_DIR);
    return binds;
  }

  private SandboxSpec spec(TaskRequest task, Runtime runtime, Workspace ws) {
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
        readOnly(runtime, ws),
        env,
        false,
        limits.runTimeout(),
        limits.maxOutputBytes(),
        new SandboxSpec.Limits(
            limits.memoryLimit(),
            limits.maxProcesses(),
            limits.diskLimit(),
            List.of(ws.src(), ws.output())));
  }
}
