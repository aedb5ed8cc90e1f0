package io.gitfaas.worker.limits;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The workspace quota: what the directories a program may write hold is measured while it runs, and
 * the program is stopped when it goes over. Single files are capped sooner by RLIMIT_FSIZE; this
 * catches many files.
 *
 * <p>Every file, directory and link costs at least one 4 KiB block, as on a real filesystem, so a
 * million empty files count as 4 GB, not as nothing; a file with several names counts once; a
 * sparse file counts at its full size. A directory the task made unreadable is opened up (the
 * worker owns everything the task wrote) and counted like the rest.
 */
public final class DiskWatch {
  static final long BLOCK = 4096;

  private DiskWatch() {}

  /** Bytes the directories hold, not following links; stops counting once past {@code stop}. */
  public static long usage(List<Path> dirs, long stop) {
    Counter counter = new Counter(stop);
    for (Path dir : dirs) {
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        counter.walk(dir);
      }
    }
    return counter.total;
  }

  /** As above, counting everything. */
  public static long usage(List<Path> dirs) {
    return usage(dirs, Long.MAX_VALUE);
  }

  /** The allocation one entry costs: its size in whole blocks, at least one. */
  static long cost(long size) {
    return Math.max(BLOCK, (size + BLOCK - 1) / BLOCK * BLOCK);
  }

  /** Gives the owner back read and search on a directory, so it can be listed. */
  public static void openUp(Path dir) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> wanted =
        EnumSet.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE);
    if (!perms.containsAll(wanted)) {
      perms.addAll(wanted);
      Files.setPosixFilePermissions(dir, perms);
    }
  }

  private static final class Counter extends SimpleFileVisitor<Path> {
    private final long stop;
    private final Set<Object> seen = new HashSet<>();
    long total;

    Counter(long stop) {
      this.stop = stop;
    }

    void walk(Path dir) {
      try {
        Files.walkFileTree(dir, this);
      } catch (IOException e) {
        // a directory vanished while walking: count what was seen
      }
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
      return add(attrs);
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
      return add(attrs);
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) {
      if (e instanceof AccessDeniedException
          && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
        try {
          openUp(file);
          walk(file);
        } catch (IOException notOurs) {
          total +=
              BLOCK; // it exists and cannot be opened: count it, and stop the walk from failing
        }
      }
      return total > stop ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
    }

    private FileVisitResult add(BasicFileAttributes attrs) {
      Object key = attrs.fileKey();
      if (key == null || seen.add(key)) {
        total += cost(attrs.size());
      }
      return total > stop ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
    }
  }
}
