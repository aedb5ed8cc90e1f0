package io.gitfaas.worker.result;

import io.gitfaas.worker.limits.DiskWatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Writes a task's result zip: result.json, stdout.txt, stderr.txt, build.log when there was a
 * build, and every regular file under the output directory as {@code output/...}. Symbolic links
 * and special files are skipped, never followed; the files' total size is capped.
 */
public final class ResultZip {
  /**
   * Zip header bytes of one entry besides its name, with room for extra fields: local headers are
   * 30 bytes and central ones 46, each plus extra fields such as Zip64's.
   */
  static final int ENTRY_HEADER_BYTES = 80;

  /** Room kept for result.json and the zip's end records. */
  static final int RESULT_JSON_RESERVE = 16 * 1024;

  private ResultZip() {}

  /** A file to put at the top of the zip. */
  public record TopLevel(String name, Path file) {}

  /**
   * @param resultJson written last, after the output files were counted, so it can say whether they
   *     were truncated
   * @return whether output files were left out to stay within {@code maxBytes}
   */
  public static boolean write(
      Path zip,
      List<TopLevel> files,
      Path outputDir,
      long maxBytes,
      Function<Boolean, byte[]> resultJson)
      throws IOException {
    long limit = maxBytes - RESULT_JSON_RESERVE;
    long centralDirectory = 0;
    boolean truncated = false;
    try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(zip.toFile())) {
      for (TopLevel top : files) {
        if (Files.isRegularFile(top.file(), LinkOption.NOFOLLOW_LINKS)) {
          add(out, top.name(), top.file());
          centralDirectory += ENTRY_HEADER_BYTES + top.name().length();
        }
      }
      for (Path file : outputFiles(outputDir)) {
        String name = entryName(outputDir, file);
        if (name == null) {
          truncated = true;
          continue;
        }
        String entry = "output/" + name;
        // Worst case for the entry: stored data plus its local and central headers.
        long cost = Files.size(file) + 2L * (ENTRY_HEADER_BYTES + entry.length());
        if (out.getBytesWritten() + centralDirectory + cost > limit) {
          truncated = true;
          if (limit - out.getBytesWritten() - centralDirectory < 2L * ENTRY_HEADER_BYTES) {
            break; // full: nothing more fits
          }
          continue;
        }
        add(out, entry, file);
        centralDirectory += ENTRY_HEADER_BYTES + entry.length();
      }
      ZipArchiveEntry entry = new ZipArchiveEntry("result.json");
      out.putArchiveEntry(entry);
      out.write(resultJson.apply(truncated));
      out.closeArchiveEntry();
    }
    return truncated;
  }

  private static void add(ZipArchiveOutputStream out, String name, Path file) throws IOException {
    if (!Files.isReadable(file)) {
      // The task made its own file unreadable; the worker owns it and takes read back.
      Set<PosixFilePermission> perms =
          Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      perms.add(PosixFilePermission.OWNER_READ);
      Files.setPosixFilePermissions(file, perms);
    }
    out.putArchiveEntry(new ZipArchiveEntry(name));
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      in.transferTo(out);
    }
    out.closeArchiveEntry();
  }

  /** A safe relative name with '/' separators, or null for one that is not. */
  static String entryName(Path root, Path file) {
    Path rel = root.relativize(file).normalize();
    List<String> parts = new ArrayList<>();
    for (Path part : rel) {
      String s = part.toString();
      // Backslashes and colons are path separators to some unzip tools: a zip-slip there.
      if (s.isEmpty()
          || s.equals(".")
          || s.equals("..")
          || s.chars().anyMatch(c -> c < 0x20 || c == '\\' || c == ':')) {
        return null;
      }
      parts.add(s);
    }
    return parts.isEmpty() ? null : String.join("/", parts);
  }

  private static List<Path> outputFiles(Path outputDir) throws IOException {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(outputDir, LinkOption.NOFOLLOW_LINKS)) {
      return files;
    }
    // walkFileTree without FOLLOW_LINKS reports links as files: they are skipped below.
    Files.walkFileTree(
        outputDir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            DiskWatch.openUp(dir); // a directory the task locked is still the task's output
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              files.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof AccessDeniedException
                && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
              DiskWatch.openUp(file);
              Files.walkFileTree(file, this);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    files.sort(null);
    return files;
  }
}
