package io.gitfaas.worker;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.task.UserKey;
import io.gitfaas.worker.egress.EgressDoors;
import io.gitfaas.worker.git.RepositoryCloner;
import io.gitfaas.worker.git.RepositoryCloner.CloneException;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.Reasons;
import io.gitfaas.worker.runtime.Runtime;
import io.gitfaas.worker.runtime.RuntimeTable;
import io.gitfaas.worker.sandbox.Cancellation;
import io.gitfaas.worker.sandbox.OutputListener;
import io.gitfaas.worker.sandbox.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's pipeline in its workspace: the source (clone or kept clone), the runtime, the build
 * (steps or kept build), the run; the outcome says how it went.
 */
public final class TaskExecutor implements TaskPipeline {
  /** Builds and clones kept per user for reuse (the newest). */
  static final int KEPT_PER_USER = 20;

  /** Building a template takes what compiling part of a standard library takes. */
  static final Duration WARM_BUDGET = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutor.class);

  private final RuntimeTable runtimes;
  private final TaskLimits limits;
  private final Reasons reasons;
  private final UserCaches caches;
  private final CacheTemplates templates = new CacheTemplates();
  private final SourceStep source;
  private final BuildStep build;
  private final RunStep run;

  /**
   * @param cacheRoot where each user's caches, kept clones and kept builds are
   * @param egress ways out for download steps; null where builds have no network
   */
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
    this.runtimes = runtimes;
    this.limits = limits;
    this.reasons = new Reasons(limits, userCacheLimit);
    this.caches = new UserCaches(cacheRoot, userCacheLimit);
    this.source =
        new SourceStep(
            cloner, new SourceCache(cacheRoot, KEPT_PER_USER), caches, limits.buildTimeout());
    this.build =
        new BuildStep(
            sandbox,
            limits,
            reasons,
            new BuildCache(cacheRoot, KEPT_PER_USER),
            caches,
            templates,
            egress);
    this.run = new RunStep(sandbox, limits, reasons, injected, live);
  }

  /** Where a run's output goes as it is produced (besides its files). */
  public interface Live {
    OutputListener listener(TaskRequest task, String stream);

    /** The task's record is final: whoever follows its output may read how it ended. */
    void end(TaskRequest task);
  }

  /** The admins' injected files, as a directory kept up to date for each run. */
  public interface InjectedFiles {
    Path refresh();
  }

  @Override
  public Outcome execute(TaskRequest task, Workspace ws, Cancellation cancellation)
      throws IOException, InterruptedException {
    String userKey = UserKey.of(task.owner());
    Outcome.Builder outcome = new Outcome.Builder();
    try {
      long buildBudgetEnd = System.nanoTime() + limits.buildTimeout().toNanos();
      try {
        source.fetch(task, userKey, ws, outcome);
      } catch (CloneException e) {
        return outcome
            .fail(TaskStatus.FINISHED_ERRORS, reasons.cloneFailed(e.getMessage()), null)
            .build();
      }
      Optional<Runtime> runtime = runtimes.detect(ws.src());
      if (runtime.isEmpty()) {
        return outcome
            .fail(TaskStatus.FINISHED_ERRORS, reasons.noRuntime(runtimes.supported()), null)
            .build();
      }
      outcome.runtime(runtime.get().name());
      if (build.build(userKey, runtime.get(), ws, outcome, buildBudgetEnd, cancellation)
          && !cancellation.isCancelled()) {
        run.run(task, runtime.get(), ws, outcome, cancellation);
      }
      return outcome.build();
    } finally {
      caches.trimIfGrown(userKey);
    }
  }

  /**
   * Builds each runtime's cache template from the runtime's own warm program, in {@code workDir}:
   * from then on a user's first build of that runtime starts from a copy of it instead of nothing
   * (a new user's first Go task compiles no standard package the template holds). Runs once when
   * the worker starts, off the task slots; a failure leaves new users starting empty.
   */
  public void warmTemplates(Path workDir) {
    for (Runtime runtime : runtimes.all()) {
      Map<String, String> program = runtime.warmProgram();
      if (program.isEmpty()) {
        continue;
      }
      long start = System.nanoTime();
      try (Workspace ws = Workspace.create(workDir, UUID.randomUUID())) {
        for (var file : program.entrySet()) {
          Path path = ws.src().resolve(file.getKey());
          Files.createDirectories(path.getParent());
          Files.writeString(path, file.getValue());
        }
        Outcome.Builder outcome = new Outcome.Builder();
        long budgetEnd = System.nanoTime() + WARM_BUDGET.toNanos();
        if (build.build(
            CacheTemplates.TEMPLATE_USER, runtime, ws, outcome, budgetEnd, Cancellation.NEVER)) {
          templates.ready(
              runtime.name(), caches.runtimeCache(CacheTemplates.TEMPLATE_USER, runtime.name()));
          LOG.info(
              "{} cache template ready in {} ms: new users' first builds start from it",
              runtime.name(),
              millisSince(start));
        } else {
          LOG.warn("{} cache template not built: {}", runtime.name(), outcome.build().reason());
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} cache template not built: {}", runtime.name(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** How this worker words a task's ending. */
  public Reasons reasons() {
    return reasons;
  }

  static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
