package io.gitfaas.worker;

import java.io.IOException;
import java.nio.file.FileSystemException;
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
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A directory of entries kept for reuse, each a directory stored whole or not at all (written
 * aside, then moved in), touched when used, and only the newest {@code keep} kept. Entries are
 * copied in and out, never bound into a sandbox, so no task can alter one.
 */
final class KeptEntries {
  private final Path dir;
  private final int keep;

  KeptEntries(Path dir, int keep) {
    this.dir = dir;
    this.keep = keep;
  }

  /** The entry's directory, if it is stored; marks it as just used. */
  Optional<Path> find(String name) throws IOException {
    Path entry = dir.resolve(name);
    if (!Files.isDirectory(entry)) {
      return Optional.empty();
    }
    Files.setLastModifiedTime(entry, FileTime.fromMillis(System.currentTimeMillis()));
    return Optional.of(entry);
  }

  /** What an entry is made of, written into its (temporary) directory. */
  interface Filler {
    void fill(Path entry) throws IOException;
  }

  /** Stores an entry unless one of that name exists; then drops the oldest beyond the limit. */
  void store(String name, Filler filler) throws IOException {
    Path entry = dir.resolve(name);
    Files.createDirectories(dir);
    Path tmp = Files.createTempDirectory(dir, ".incoming-");
    try {
      filler.fill(tmp);
      Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Trees.removeQuietly(tmp);
      if (!Files.isDirectory(entry)) {
        throw e;
      }
      return; // another task stored the same entry first
    }
    evict();
  }

  private void evict() throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      List<Path> newestFirst =
          entries
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted(Comparator.comparing(KeptEntries::modified).reversed())
              .toList();
      newestFirst.stream().skip(keep).forEach(Trees::removeQuietly);
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /**
   * Copies a tree: directories and regular files, and symbolic links as links (never followed) when
   * {@code links} is set; special files are left out.
   */
  static void copyTree(Path from, Path to, boolean links) throws IOException {
    walk(from, to, links, KeptEntries::copyFile);
  }

  /**
   * As {@link #copyTree} without links, but each regular file hard-linked instead of copied where
   * both trees are on one file system: only for a tree that every later reader sees read-only (a
   * link shares the file with the kept entry).
   */
  static void linkTree(Path from, Path to) throws IOException {
    walk(
        from,
        to,
        false,
        (file, target) -> {
          try {
            Files.createLink(target, file);
          } catch (FileSystemException acrossFileSystems) {
            copyFile(file, target);
          }
        });
  }

  private interface FilePlacer {
    void place(Path file, Path target) throws IOException;
  }

  private static void copyFile(Path file, Path target) throws IOException {
    Files.copy(
        file,
        target,
        StandardCopyOption.COPY_ATTRIBUTES,
        StandardCopyOption.REPLACE_EXISTING,
        LinkOption.NOFOLLOW_LINKS);
  }

  private static void walk(Path from, Path to, boolean links, FilePlacer files) throws IOException {
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
            Path target = to.resolve(from.relativize(file).toString());
            if (attrs.isRegularFile()) {
              files.place(file, target);
            } else if (links && attrs.isSymbolicLink()) {
              Files.createSymbolicLink(target, Files.readSymbolicLink(file));
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
