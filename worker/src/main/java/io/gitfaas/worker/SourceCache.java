package io.gitfaas.worker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Clones kept per user, by commit, as they were checked out (before any build step ran): a task on
 * a commit its user ran before skips the fetch.
 */
final class SourceCache {
  private final Path root;
  private final int keepPerUser;

  SourceCache(Path root, int keepPerUser) {
    this.root = root;
    this.keepPerUser = keepPerUser;
  }

  /** Copies the kept clone of {@code commit} into {@code src}; false when there is none. */
  boolean restore(String userKey, String commit, Path src) throws IOException {
    Optional<Path> entry = entries(userKey).find(name(commit));
    if (entry.isEmpty()) {
      return false;
    }
    KeptEntries.copyTree(entry.get(), src, true);
    return true;
  }

  void store(String userKey, String commit, Path src) throws IOException {
    entries(userKey).store(name(commit), entry -> KeptEntries.copyTree(src, entry, true));
  }

  private KeptEntries entries(String userKey) {
    return new KeptEntries(root.resolve(userKey).resolve("sources"), keepPerUser);
  }

  private static String name(String commit) {
    if (!commit.matches("[0-9a-f]{40}")) {
      throw new IllegalArgumentException("bad cache key");
    }
    return commit;
  }
}
