package io.gitfaas.worker;

import io.gitfaas.task.TaskRequest;
import io.gitfaas.worker.git.RepositoryCloner;
import io.gitfaas.worker.git.RepositoryCloner.CloneException;
import io.gitfaas.worker.git.RepositoryCloner.Fetched;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.result.PhaseReport;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of a task: its repository in the workspace, from the user's kept copy of the
 * commit where there is one, else fetched (and kept for next time).
 */
final class SourceStep {
  private static final Logger LOG = LoggerFactory.getLogger(SourceStep.class);

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
      Fetched fetched =
          cloner.fetch(
              task.url(),
              task.ref(),
              ws.src(),
              timeout,
              commit -> restore(task, userKey, commit, ws));
      outcome.commit(fetched.commit());
      Metrics.counter(
              "gitfaas.cache.lookups",
              "kind",
              "clone",
              "result",
              fetched.restored() ? "hit" : "miss")
          .increment();
      outcome.phase(
          fetched.restored() ? "clone: reused" : "clone",
          PhaseReport.wall(TaskExecutor.millisSince(start)));
      if (!fetched.restored()) {
        keep(task, userKey, fetched.commit(), ws);
      }
    } catch (CloneException e) {
      outcome.phase("clone", PhaseReport.wall(TaskExecutor.millisSince(start)));
      throw e;
    } finally {
      outcome.timing("clone", TaskExecutor.millisSince(start));
    }
  }

  /** Copies the user's kept copy of {@code commit} into the workspace, if there is one. */
  private boolean restore(TaskRequest task, String userKey, String commit, Workspace ws) {
    try {
      if (sources.restore(userKey, commit, ws.src())) {
        return true;
      }
    } catch (IOException e) {
      LOG.warn("task {}: kept copy not restored, fetching: {}", task.taskId(), e.toString());
    }
    Trees.removeQuietly(ws.src()); // whatever a failed restore left
    return false;
  }

  private void keep(TaskRequest task, String userKey, String commit, Workspace ws) {
    caches.kept(userKey);
    try {
      sources.store(userKey, commit, ws.src());
    } catch (IOException e) {
      LOG.warn("task {}: clone not kept for reuse: {}", task.taskId(), e.toString());
    }
  }
}
