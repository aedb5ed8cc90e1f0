package io.gitfaas.worker.git;

import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.worker.Trees;
import io.gitfaas.worker.git.GuardedHttpConnectionFactory.RejectedCloneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.PackLock;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;

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
  private static boolean isFullCommit(String ref) {
    return ref != null && FULL_COMMIT.matcher(ref).matches();
  }

  /**
   * Puts a commit into the task's directory from a copy kept earlier, when there is one: returns
   * whether it did, and leaves nothing in the directory when it did not.
   */
  @FunctionalInterface
  public interface KeptCopies {
    boolean restore(String commit);
  }

  /** What {@link #fetch} did: the task's commit, and whether a kept copy of it serves. */
  public record Fetched(String commit, boolean restored) {}

  /**
   * Puts the commit {@code ref} names into {@code dir}: from a kept copy when {@code kept} has one,
   * else fetched and checked out. A commit named by its full id is looked for among the kept copies
   * without asking the server anything. For a branch, a tag or the default branch, one
   * advertisement of the server's refs says which commit that is, and, when no kept copy has it,
   * the same connection fetches it (shallow): a push costs what a first clone costs.
   *
   * @throws CloneException when the commit cannot be had; the message is for the user
   */
  public Fetched fetch(String url, String ref, Path dir, Duration timeout, KeptCopies kept) {
    if (isFullCommit(ref) && kept.restore(ref)) {
      return new Fetched(ref, true);
    }
    if (ref != null && COMMIT.matcher(ref).matches()) {
      return new Fetched(clone(url, ref, dir, timeout), false);
    }
    return within(url, timeout, deadline -> fetchRef(url, ref, dir, deadline, kept));
  }

  private Fetched fetchRef(String url, String ref, Path dir, Instant deadline, KeptCopies kept)
      throws Exception {
    try (Repository repo =
            new FileRepositoryBuilder()
                .setGitDir(dir.resolve(Constants.DOT_GIT).toFile())
                .setWorkTree(dir.toFile())
                .build();
        Transport transport = Transport.open(v0(repo), new URIish(url))) {
      transport.setDepth(1);
      transport.setTimeout(secondsLeft(deadline));
      // Opening the connection reads the advertisement; nothing is written yet.
      try (FetchConnection connection = transport.openFetch()) {
        Ref wanted = wanted(connection.getRefsMap(), ref);
        ObjectId advertised =
            wanted.getPeeledObjectId() != null ? wanted.getPeeledObjectId() : wanted.getObjectId();
        if (kept.restore(advertised.name())) {
          return new Fetched(advertised.name(), true);
        }
        repo.create();
        try {
          connection.fetch(new DeadlineMonitor(deadline), List.of(wanted), Set.of());
        } finally {
          for (PackLock lock : connection.getPackLocks()) {
            lock.unlock();
          }
        }
        // An annotated tag the server did not peel: its commit is known now.
        ObjectId commit = repo.resolve(advertised.name() + "^{commit}");
        if (commit == null) {
          throw new CloneException("'" + ref + "' does not name a commit", null);
        }
        checkOut(repo, commit, deadline);
        return new Fetched(commit.name(), false);
      }
    }
  }

  /**
   * The repository, set to speak Git's protocol version 0 over this transport: its advertisement
   * lists the refs in the answer to the first request, and the fetch is one more. Version 2 asks
   * for the refs in a request of their own (three in all), which only pays for repositories with
   * very many refs.
   */
  private static Repository v0(Repository repo) {
    repo.getConfig().setString("protocol", null, "version", "0");
    return repo;
  }

  /** The advertised ref a task's ref names: the default branch, a branch, or a tag. */
  private static Ref wanted(Map<String, Ref> refs, String ref) {
    List<String> names =
        ref == null
            ? List.of(Constants.HEAD)
            : List.of(Constants.R_HEADS + ref, Constants.R_TAGS + ref);
    for (String name : names) {
      Ref found = refs.get(name);
      if (found != null && found.getObjectId() != null) {
        return found;
      }
    }
    throw new CloneException(
        ref == null ? "the repository is empty" : "ref '" + ref + "' not found", null);
  }

  /** Clones {@code ref} into {@code dir}; returns the commit that was checked out. */
  public String clone(String url, String ref, Path dir, Duration timeout) throws CloneException {
    return within(url, timeout, deadline -> cloneNow(url, ref, dir, deadline));
  }

  private interface Work<T> {
    T run(Instant deadline) throws Exception;
  }

  /**
   * Runs Git work on {@code url} within the URL policy, the size limit and {@code timeout}. The URL
   * is checked here too, not only where the task was accepted: JGit would read a {@code file:} or
   * {@code ssh:} URL without any HTTP connection for the policy to see. Its host's addresses are
   * checked at each connection, where they are looked up.
   */
  private <T> T within(String url, Duration timeout, Work<T> work) {
    Instant deadline = Instant.now().plus(timeout);
    try {
      policy.checkForm(url);
      return GuardedHttpConnectionFactory.within(
          policy, new CloneLimits(maxBytes, deadline), () -> work.run(deadline));
    } catch (Exception e) {
      if (Instant.now().isAfter(deadline)) {
        throw new CloneException(
            "clone did not finish in " + timeout.toSeconds() + " s (TASK_BUILD_TIMEOUT)", e);
      }
      throw new CloneException(describe(e), e);
    }
  }

  private static int secondsLeft(Instant deadline) {
    return (int) Math.max(1, Duration.between(Instant.now(), deadline).toSeconds());
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
            .setTimeout(secondsLeft(deadline))
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
    trim(repo.getDirectory().toPath());
  }

  /** What a new repository holds that nothing reads here: reflogs, hook and info directories. */
  private static final List<String> UNREAD =
      List.of("logs", "hooks", "branches", "info", "description", "objects/info");

  /** Empty directories that Git does not need to see a repository. */
  private static final List<String> UNREAD_IF_EMPTY = List.of("refs/tags", "refs/heads");

  /**
   * Leaves in the {@code .git} directory what Git needs to read the checkout (HEAD, the index, the
   * objects, refs, the shallow list, config): every task on a kept commit copies this directory,
   * and each file or directory made costs the copy more than its bytes.
   */
  private static void trim(Path gitDir) throws IOException {
    for (String name : UNREAD) {
      Trees.remove(gitDir.resolve(name));
    }
    for (String name : UNREAD_IF_EMPTY) {
      try (var entries = Files.list(gitDir.resolve(name))) {
        if (entries.findAny().isEmpty()) {
          Files.delete(gitDir.resolve(name));
        }
      } catch (java.nio.file.NoSuchFileException absent) {
        // nothing to trim
      }
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
