package io.gitfaas.worker;

import io.gitfaas.worker.limits.DiskWatch;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes directory trees a task wrote: never following a link, and giving the worker back the
 * permissions a task took away (a directory the task made {@code chmod 000} can otherwise be
 * neither listed nor emptied by a worker that is not root).
 */
public final class Trees {
  private static final Logger LOG = LoggerFactory.getLogger(Trees.class);

  private Trees() {}

  /** Removes {@code root} and everything under it; a link is removed, never followed. */
  public static void remove(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(root);
      return;
    }
    openUp(root);
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            openUp(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            if (e instanceof AccessDeniedException
                && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
              openUp(file); // it could not even be listed: give it back, then walk it
              Files.walkFileTree(file, this);
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** As {@link #remove}, logging instead of throwing: for cleanup that must not stop the caller. */
  public static void removeQuietly(Path root) {
    try {
      remove(root);
    } catch (IOException e) {
      LOG.warn("could not remove {}: {}", root, e.toString());
    }
  }

  /** Gives the owner back read, write and search on a directory (not a link) the task owns. */
  static void openUp(Path dir) throws IOException {
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      DiskWatch.openUp(dir);
    }
  }
}
