package io.gitfaas.store;

import io.gitfaas.concurrent.DaemonThreads;
import io.gitfaas.store.ResultStore.Excerpt;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * One file of a zip read as the zip streams by: entries before it are skipped, nothing is kept but
 * the head asked for, and the stream is abandoned once the file has been read (a result's stdout
 * and stderr come first, so the rest of the zip is never fetched).
 */
final class ZipExcerpts {
  private static final int PIPE_BYTES = 64 * 1024;
  private static final ExecutorService FEEDERS =
      Executors.newCachedThreadPool(DaemonThreads.named("zip-excerpt-feeder"));

  private ZipExcerpts() {}

  /**
   * @param source writes the zip to the stream it is given; a write failing because the reader is
   *     done ends it
   */
  static Optional<Excerpt> excerpt(Consumer<OutputStream> source, String entry, int maxBytes)
      throws IOException {
    PipedInputStream in = new PipedInputStream(PIPE_BYTES);
    PipedOutputStream out = new PipedOutputStream(in);
    FEEDERS.execute(
        () -> {
          try (out) {
            source.accept(out);
          } catch (IOException | RuntimeException e) {
            // the reader closed its end: it has what it needed, or gave up
          }
        });
    try (in) {
      return read(in, entry, maxBytes);
    }
  }

  static Optional<Excerpt> read(InputStream zip, String entry, int maxBytes) throws IOException {
    ZipInputStream entries = new ZipInputStream(zip);
    for (ZipEntry e = entries.getNextEntry(); e != null; e = entries.getNextEntry()) {
      if (e.getName().equals(entry) && !e.isDirectory()) {
        byte[] head = entries.readNBytes(maxBytes);
        long size = head.length + entries.transferTo(OutputStream.nullOutputStream());
        return Optional.of(new Excerpt(head, size));
      }
    }
    return Optional.empty();
  }
}
