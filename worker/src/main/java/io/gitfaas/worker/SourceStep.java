package io.gitfaas.worker;

import io.gitfaas.task.TaskRequest;
import io.gitfaas.worker.git.RepositoryCloner;
import io.gitfaas.worker.git.RepositoryCloner.CloneException;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.PhaseReport;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of a task: its repository in the workspace, from the user's kept clone of the
 * commit where there is one, else cloned (and kept for next time).
 */
final class SourceStep {
  private static final Logger LOG = LoggerFactory.getLogger(SourceStep.class);

  /** How long asking the server for a ref's commit may take before the task just clones. */
  static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(10);

  private final RepositoryCloner cloner;
  private final SourceCache sources;
  private final UserCaches caches;
  private final Duration timeout;

  SourceStep(RepositoryCloner cloner, SourceCache sources, UserCaches caches, Duration timeout) {
    this.cloner = cloner;
    this.sources = sources;
    this.caches = caches;
    this.timeout = timeout;
  }

  /**
   * Puts the task's commit into {@code ws.src()} and records it, with the phase, in the outcome.
   *
   * @throws CloneException when the repository cannot be cloned; the message is for the user
   */
  void fetch(TaskRequest task, String userKey, Workspace ws, Outcome.Builder outcome) {
    long start = System.nanoTime();
    try {
      boolean reused = reuse(task, userKey, ws, outcome);
      io.micrometer.core.instrument.Metrics.counter(
              "gitfaas.cache.lookups", "kind", "clone", "result", reused ? "hit" : "miss")
          .increment();
      if (reused) {
        outcome.phase("clone: reused", PhaseReport.wall(TaskExecutor.millisSince(start)));
        return;
      }
      outcome.commit(cloner.clone(task.url(), task.ref(), ws.src(), timeout));
      outcome.phase("clone", PhaseReport.wall(TaskExecutor.millisSince(start)));
      keep(task, userKey, outcome.commit(), ws);
    } catch (CloneException e) {
      outcome.phase("clone", PhaseReport.wall(TaskExecutor.millisSince(start)));
      throw e;
    } finally {
      outcome.timing("clone", TaskExecutor.millisSince(start));
    }
  }

  /**
   * Restores the user's kept clone of the commit the task's ref is on now, if there is one. The
   * server is asked for the commit only for a repository the user cloned before: a new one is
   * cloned straight away.
   */
  private boolean reuse(TaskRequest task, String userKey, Workspace ws, Outcome.Builder outcome) {
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

  private void keep(TaskRequest task, String userKey, String commit, Workspace ws) {
    caches.kept(userKey);
    try {
      sources.store(userKey, task.url(), commit, ws.src());
    } catch (IOException e) {
      LOG.warn("task {}: clone not kept for reuse: {}", task.taskId(), e.toString());
    }
  }
}
