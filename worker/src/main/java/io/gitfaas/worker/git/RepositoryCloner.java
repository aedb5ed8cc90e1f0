package io.gitfaas.worker.git;

import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.worker.git.GuardedHttpConnectionFactory.RejectedCloneException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ProgressMonitor;

/**
 * Clones a task's repository with JGit over HTTP(S) only: shallow where the ref allows it, within
 * the clone limits, every connection checked against the URL policy.
 */
public final class RepositoryCloner {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,40}");

  private final GitUrlPolicy policy;
  private final long maxBytes;

  public RepositoryCloner(GitUrlPolicy policy, long maxBytes) {
    this.policy = policy;
    this.maxBytes = maxBytes;
  }

  /** The commit that was checked out. */
  public String clone(String url, String ref, Path dir, Duration timeout) throws CloneException {
    Instant deadline = Instant.now().plus(timeout);
    try {
      return GuardedHttpConnectionFactory.within(
          policy, new CloneLimits(maxBytes, deadline), () -> cloneNow(url, ref, dir, deadline));
    } catch (Exception e) {
      if (Instant.now().isAfter(deadline)) {
        throw new CloneException(
            "clone did not finish in " + timeout.toSeconds() + " s (TASK_BUILD_TIMEOUT)", e);
      }
      throw new CloneException(describe(e), e);
    }
  }

  private String cloneNow(String url, String ref, Path dir, Instant deadline)
      throws GitAPIException, java.io.IOException {
    boolean commit = ref != null && COMMIT.matcher(ref).matches();
    var command =
        Git.cloneRepository()
            .setURI(url)
            .setDirectory(dir.toFile())
            .setCloneSubmodules(false)
            .setNoCheckout(commit)
            .setTimeout((int) Math.max(1, Duration.between(Instant.now(), deadline).toSeconds()))
            .setProgressMonitor(new DeadlineMonitor(deadline));
    if (!commit) {
      command.setDepth(1);
      if (ref != null) {
        command.setBranch(ref);
      }
    }
    try (Git git = command.call()) {
      if (commit) {
        ObjectId id = git.getRepository().resolve(ref + "^{commit}");
        if (id == null) {
          throw new CloneException("commit " + ref + " not found in the repository", null);
        }
        git.checkout().setName(id.name()).call();
        return id.name();
      }
      ObjectId head = git.getRepository().resolve("HEAD");
      if (head == null) {
        throw new CloneException(
            ref == null ? "the repository is empty" : "ref '" + ref + "' not found", null);
      }
      return head.name();
    }
  }

  /** One readable line for the user: the deepest message that says something. */
  private static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RejectedCloneException || t instanceof CloneException) {
        return t.getMessage();
      }
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (message.contains("Remote branch") && message.contains("not found")) {
      return message;
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause().getMessage() != null) {
      root = root.getCause();
    }
    return root == e ? message : message + ": " + root.getMessage();
  }

  /** A clone that could not be made; the message is for the user. */
  public static final class CloneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CloneException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final class DeadlineMonitor implements ProgressMonitor {
    private final Instant deadline;

    DeadlineMonitor(Instant deadline) {
      this.deadline = deadline;
    }

    @Override
    public boolean isCancelled() {
      return Instant.now().isAfter(deadline);
    }

    @Override
    public void start(int totalTasks) {}

    @Override
    public void beginTask(String title, int totalWork) {}

    @Override
    public void update(int completed) {}

    @Override
    public void endTask() {}

    @Override
    public void showDuration(boolean enabled) {}
  }
}
