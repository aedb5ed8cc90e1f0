package io.gitfaas.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Clones kept per user, by commit, as they were checked out (before any build step ran): a task on
 * a commit its user ran before skips the clone. It also remembers which repository URLs the user
 * cloned, so a repository never seen before is cloned at once, without first asking the server
 * which commit its branch is on.
 */
final class SourceCache {
  static final int URLS_KEPT_PER_USER = 1000;

  private final Path root;
  private final int keepPerUser;

  SourceCache(Path root, int keepPerUser) {
    this.root = root;
    this.keepPerUser = keepPerUser;
  }

  /** Whether the user's tasks cloned this repository before (so asking for its commit pays). */
  boolean seen(String userKey, String url) throws IOException {
    return urls(userKey).find(digest(url)).isPresent();
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

  void store(String userKey, String url, String commit, Path src) throws IOException {
    entries(userKey).store(name(commit), entry -> KeptEntries.copyTree(src, entry, true));
    urls(userKey).store(digest(url), entry -> Files.writeString(entry.resolve("url"), url));
  }

  private KeptEntries entries(String userKey) {
    return new KeptEntries(root.resolve(userKey).resolve("sources"), keepPerUser);
  }

  private KeptEntries urls(String userKey) {
    return new KeptEntries(root.resolve(userKey).resolve("repositories"), URLS_KEPT_PER_USER);
  }

  private static String name(String commit) {
    if (!commit.matches("[0-9a-f]{40}")) {
      throw new IllegalArgumentException("bad cache key");
    }
    return commit;
  }

  private static String digest(String url) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
