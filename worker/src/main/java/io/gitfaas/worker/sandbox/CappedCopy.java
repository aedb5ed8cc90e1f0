package io.gitfaas.worker.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies a stream to a file up to a cap and drains the rest, so a program that prints without end
 * neither blocks on a full pipe nor grows the worker's memory or disk.
 */
final class CappedCopy implements Runnable {
  private final InputStream in;
  private final Path file;
  private final long cap;
  private final OutputListener listener;
  private volatile long total;

  CappedCopy(InputStream in, Path file, long cap, OutputListener listener) {
    this.in = in;
    this.file = file;
    this.cap = cap;
    this.listener = listener;
  }

  @Override
  public void run() {
    byte[] buffer = new byte[64 * 1024];
    try (in;
        OutputStream out = Files.newOutputStream(file)) {
      long written = 0;
      for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
        total += n;
        if (written < cap) {
          int keep = (int) Math.min(n, cap - written);
          out.write(buffer, 0, keep);
          written += keep;
          listener.chunk(java.util.Arrays.copyOf(buffer, keep));
        }
      }
    } catch (IOException e) {
      // the process was killed and its pipe closed: what was copied stays
    }
  }

  long total() {
    return total;
  }

  boolean truncated() {
    return total > cap;
  }
}
