package io.gitfaas.worker;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Build outputs kept per user, by runtime and commit: a task on a commit its user built before
 * skips the build. Entries are copied in and out, never bound into a sandbox, so no task can alter
 * one; a user's entries serve only that user's tasks. Only the newest entries of each user are
 * kept.
 */
final class BuildCache {
  private final Path root;
  private final int keepPerUser;

  BuildCache(Path root, int keepPerUser) {
    this.root = root;
    this.keepPerUser = keepPerUser;
  }

  /** Copies the cached build into {@code bin} and its log; false when there is none. */
  boolean restore(String userKey, String runtime, String commit, Path bin, Path buildLog)
      throws IOException {
    Path entry = entry(userKey, runtime, commit);
    if (!Files.isDirectory(entry)) {
      return false;
    }
    copyTree(entry.resolve("bin"), bin);
    Files.copy(entry.resolve("build.log"), buildLog, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(entry, FileTime.fromMillis(System.currentTimeMillis()));
    return true;
  }

  void store(String userKey, String runtime, String commit, Path bin, Path buildLog)
      throws IOException {
    Path entry = entry(userKey, runtime, commit);
    Path builds = Files.createDirectories(entry.getParent());
    Path tmp = Files.createTempDirectory(builds, ".incoming-");
    try {
      copyTree(bin, tmp.resolve("bin"));
      Files.writeString(
          tmp.resolve("build.log"),
          "(the build of commit " + commit + " was reused; its log follows)\n");
      if (Files.exists(buildLog)) {
        Files.write(
            tmp.resolve("build.log"),
            Files.readAllBytes(buildLog),
            java.nio.file.StandardOpenOption.APPEND);
      }
      Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      new Workspace(tmp).close();
      if (!Files.isDirectory(entry)) {
        throw e;
      }
      return; // another task stored the same build first
    }
    evict(builds);
  }

  private Path entry(String userKey, String runtime, String commit) {
    if (!commit.matches("[0-9a-f]{40}") || !runtime.matches("[a-z]+")) {
      throw new IllegalArgumentException("bad cache key");
    }
    return root.resolve(userKey).resolve("builds").resolve(runtime + "-" + commit);
  }

  private void evict(Path builds) throws IOException {
    try (Stream<Path> entries = Files.list(builds)) {
      List<Path> newestFirst =
          entries
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted(Comparator.comparing(BuildCache::modified).reversed())
              .toList();
      newestFirst.stream().skip(keepPerUser).forEach(p -> new Workspace(p).close());
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /** Regular files and directories only; links and special files are not copied. */
  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.createDirectories(to.resolve(from.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isRegularFile()) {
              Files.copy(
                  file,
                  to.resolve(from.relativize(file).toString()),
                  StandardCopyOption.COPY_ATTRIBUTES,
                  StandardCopyOption.REPLACE_EXISTING,
                  LinkOption.NOFOLLOW_LINKS);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
