package io.gitfaas.worker.git;

import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.worker.git.GuardedHttpConnectionFactory.RejectedCloneException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Clones a task's repository with JGit over HTTP(S) only: shallow where the ref allows it, within
 * the clone limits, every connection checked against the URL policy.
 */
public final class RepositoryCloner {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,40}");

  private final GitUrlPolicy policy;
  private final long maxBytes;
  private final CheckoutLimits checkout;

  /**
   * @param maxBytes the most a clone may download
   * @param checkout what its checkout may write
   */
  public RepositoryCloner(GitUrlPolicy policy, long maxBytes, CheckoutLimits checkout) {
    this.policy = policy;
    this.maxBytes = maxBytes;
    this.checkout = checkout;
  }

  private static final Pattern FULL_COMMIT = Pattern.compile("[0-9a-f]{40}");

  /** Whether {@code ref} names a commit in full, so that nothing needs to be asked to know it. */
  public static boolean isFullCommit(String ref) {
    return ref != null && FULL_COMMIT.matcher(ref).matches();
  }

  /**
   * The commit a clone of {@code ref} would check out, asked of the server without fetching
   * anything (one request, like {@code git ls-remote}); a full commit id needs no request. Empty
   * when it cannot be told (an abbreviated commit, an unknown ref, a server that does not answer):
   * the clone then finds out, and reports, what is wrong.
   */
  public Optional<String> resolve(String url, String ref, Duration timeout) {
    if (isFullCommit(ref)) {
      return Optional.of(ref);
    }
    if (ref != null && COMMIT.matcher(ref).matches()) {
      return Optional.empty();
    }
    Instant deadline = Instant.now().plus(timeout);
    try {
      return GuardedHttpConnectionFactory.within(
          policy,
          new CloneLimits(maxBytes, deadline),
          () -> {
            var refs =
                Git.lsRemoteRepository()
                    .setRemote(url)
                    .setTimeout((int) Math.max(1, timeout.toSeconds()))
                    .callAsMap();
            List<String> names =
                ref == null ? List.of("HEAD") : List.of("refs/heads/" + ref, "refs/tags/" + ref);
            for (String name : names) {
              Ref found = refs.get(name);
              if (found != null) {
                ObjectId id =
                    found.getPeeledObjectId() != null
                        ? found.getPeeledObjectId()
                        : found.getObjectId();
                if (name.startsWith("refs/tags/") && found.getPeeledObjectId() == null) {
                  // An annotated tag the server did not peel: the clone knows its commit.
                  return Optional.<String>empty();
                }
                return Optional.ofNullable(id).map(ObjectId::name);
              }
            }
            return Optional.<String>empty();
          });
    } catch (Exception e) {
      return Optional.empty();
    }
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
      throws GitAPIException, IOException {
    boolean commit = ref != null && COMMIT.matcher(ref).matches();
    // Nothing is written before the tree has been measured: the checkout is ours, below.
    var command =
        Git.cloneRepository()
            .setURI(url)
            .setDirectory(dir.toFile())
            .setCloneSubmodules(false)
            .setNoCheckout(true)
            .setTimeout((int) Math.max(1, Duration.between(Instant.now(), deadline).toSeconds()))
            .setProgressMonitor(new DeadlineMonitor(deadline));
    if (!commit) {
      command.setDepth(1);
      if (ref != null) {
        command.setBranch(ref);
      }
    }
    try (Git git = command.call()) {
      Repository repo = git.getRepository();
      ObjectId id = repo.resolve((commit ? ref : Constants.HEAD) + "^{commit}");
      if (id == null) {
        throw new CloneException(
            commit
                ? "commit " + ref + " not found in the repository"
                : ref == null ? "the repository is empty" : "ref '" + ref + "' not found",
            null);
      }
      checkOut(repo, id, deadline);
      return id.name();
    }
  }

  /** Checks the commit out, detached, once its tree is known to fit the checkout limits. */
  private void checkOut(Repository repo, ObjectId id, Instant deadline) throws IOException {
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit commit = walk.parseCommit(id);
      checkout.check(repo, commit.getTree());
      DirCache index = repo.lockDirCache();
      DirCacheCheckout co = new DirCacheCheckout(repo, index, commit.getTree());
      co.setProgressMonitor(new DeadlineMonitor(deadline));
      co.checkout();
      RefUpdate head = repo.updateRef(Constants.HEAD, true);
      head.setNewObjectId(id);
      head.forceUpdate();
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
