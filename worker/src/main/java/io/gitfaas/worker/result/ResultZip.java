package io.gitfaas.worker.result;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Writes a task's result zip: result.json, stdout.txt, stderr.txt, build.log when there was a
 * build, and every regular file under the output directory as {@code output/...}. Symbolic links
 * and special files are skipped, never followed; the files' total size is capped.
 */
public final class ResultZip {
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
    long budget = maxBytes;
    boolean truncated = false;
    try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(zip.toFile())) {
      for (TopLevel top : files) {
        if (Files.isRegularFile(top.file(), LinkOption.NOFOLLOW_LINKS)) {
          budget -= Files.size(top.file());
          add(out, top.name(), top.file());
        }
      }
      for (Path file : outputFiles(outputDir)) {
        long size = Files.size(file);
        if (size > budget) {
          truncated = true;
          continue;
        }
        String name = entryName(outputDir, file);
        if (name == null) {
          truncated = true;
          continue;
        }
        budget -= size;
        add(out, "output/" + name, file);
      }
      ZipArchiveEntry entry = new ZipArchiveEntry("result.json");
      out.putArchiveEntry(entry);
      out.write(resultJson.apply(truncated));
      out.closeArchiveEntry();
    }
    return truncated;
  }

  private static void add(ZipArchiveOutputStream out, String name, Path file) throws IOException {
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
      if (s.isEmpty() || s.equals(".") || s.equals("..") || s.chars().anyMatch(c -> c < 0x20)) {
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
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              files.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE;
          }
        });
    files.sort(null);
    return files;
  }
}
