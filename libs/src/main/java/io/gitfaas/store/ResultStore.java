package io.gitfaas.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Result zips, named by owner, task and attempt: users never collide, and an attempt that lost its
 * task to a later one never overwrites the zip the task's record points to (the record names its
 * attempt). {@link NatsResultStore} keeps them in the JetStream object store, {@link
 * InMemoryResultStore} in memory (for fast tests).
 */
public interface ResultStore {
  void put(String owner, UUID taskId, int attempt, Path zip);

  /** The zip's size, or empty when there is none (not finished, or expired). */
  OptionalLong size(String owner, UUID taskId, int attempt);

  void copyTo(String owner, UUID taskId, int attempt, OutputStream out);

  /** Removes an attempt's zip (one that lost its task to another attempt). */
  void delete(String owner, UUID taskId, int attempt);

  /** The first bytes of one file of a result zip, and the file's whole size. */
  record Excerpt(byte[] head, long size) {
    public boolean truncated() {
      return head.length < size;
    }
  }

  /**
   * Up to {@code maxBytes} of the file {@code entry} of the task's zip; empty when the zip has no
   * such file. The zip is read as it streams from the store, up to the end of that file only.
   */
  default Optional<Excerpt> excerpt(
      String owner, UUID taskId, int attempt, String entry, int maxBytes) {
    try {
      return ZipExcerpts.excerpt(out -> copyTo(owner, taskId, attempt, out), entry, maxBytes);
    } catch (IOException e) {
      throw new StoreException("could not read " + entry + " of the result of " + taskId, e);
    }
  }
}
