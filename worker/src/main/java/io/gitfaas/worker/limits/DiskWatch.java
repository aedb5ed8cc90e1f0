package io.gitfaas.worker.limits;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workspace quota: the total size of the directories a program may write is measured while it
 * runs, and the program is stopped when it goes over. Single files are capped sooner by
 * RLIMIT_FSIZE; this catches many files.
 */
public final class DiskWatch {
  private DiskWatch() {}

  /** Bytes allocated under the directories, not following links. */
  public static long usage(List<Path> dirs) {
    AtomicLong total = new AtomicLong();
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try {
        Files.walkFileTree(
            dir,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total.addAndGet(attrs.size());
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
              }
            });
      } catch (IOException e) {
        // a directory vanished while walking: count what was seen
      }
    }
    return total.get();
  }
}
