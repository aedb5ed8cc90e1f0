package io.gitfaas.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Build outputs kept per user, by runtime and commit: a task on a commit its user built before
 * skips the build. A user's entries serve only that user's tasks; only the newest are kept.
 */
final class BuildCache {
  private final Path root;
  private final int keepPerUser;

  BuildCache(Path root, int keepPerUser) {
    this.root = root;
    this.keepPerUser = keepPerUser;
  }

  /**
   * Puts the cached build into {@code bin} and copies its log; false when there is none. The
   * build's files are hard-links to the kept ones: the run sees {@code bin} read-only, and nothing
   * else writes it once a build is restored.
   */
  boolean restore(String userKey, String runtime, String commit, Path bin, Path buildLog)
      throws IOException {
    Optional<Path> entry = entries(userKey).find(name(runtime, commit));
    if (entry.isEmpty()) {
      return false;
    }
    KeptEntries.linkTree(entry.get().resolve("bin"), bin);
    Files.copy(entry.get().resolve("build.log"), buildLog, StandardCopyOption.REPLACE_EXISTING);
    return true;
  }

  void store(String userKey, String runtime, String commit, Path bin, Path buildLog)
      throws IOException {
    entries(userKey)
        .store(
            name(runtime, commit),
            entry -> {
              KeptEntries.copyTree(bin, entry.resolve("bin"), false);
              Files.writeString(
                  entry.resolve("build.log"),
                  "(the build of commit " + commit + " was reused; its log follows)\n");
              if (Files.exists(buildLog)) {
                Files.write(
                    entry.resolve("build.log"),
                    Files.readAllBytes(buildLog),
                    StandardOpenOption.APPEND);
              }
            });
  }

  private KeptEntries entries(String userKey) {
    return new KeptEntries(root.resolve(userKey).resolve("builds"), keepPerUser);
  }

  private static String name(String runtime, String commit) {
    if (!commit.matches("[0-9a-f]{40}") || !runtime.matches("[a-z]+")) {
      throw new IllegalArgumentException("bad cache key");
    }
    return runtime + "-" + commit;
  }
}
