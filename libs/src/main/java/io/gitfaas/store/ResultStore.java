package io.gitfaas.store;

import io.gitfaas.nats.NatsResources;
import io.gitfaas.task.UserKey;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectMeta;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Result zips in the JetStream object store, named by owner, task and attempt: users never collide,
 * and an attempt that lost its task to a later one never overwrites the zip the task's record
 * points to (the record names its attempt).
 */
public final class ResultStore {
  private final NatsResources resources;

  public ResultStore(NatsResources resources) {
    this.resources = resources;
  }

  public void put(String owner, UUID taskId, int attempt, Path zip) {
    try (InputStream in = Files.newInputStream(zip)) {
      resources
          .results()
          .put(
              ObjectMeta.builder(name(owner, taskId, attempt))
                  .description("result " + taskId)
                  .build(),
              in);
    } catch (IOException | JetStreamApiException | NoSuchAlgorithmException e) {
      throw new StoreException("could not store the result of " + taskId, e);
    }
  }

  /** The zip's size, or empty when there is none (not finished, or expired). */
  public OptionalLong size(String owner, UUID taskId, int attempt) {
    try {
      ObjectInfo info = resources.results().getInfo(name(owner, taskId, attempt));
      return info == null || info.isDeleted()
          ? OptionalLong.empty()
          : OptionalLong.of(info.getSize());
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not look up the result of " + taskId, e);
    }
  }

  public void copyTo(String owner, UUID taskId, int attempt, OutputStream out) {
    try {
      resources.results().get(name(owner, taskId, attempt), out);
    } catch (IOException | JetStreamApiException | NoSuchAlgorithmException e) {
      throw new StoreException("could not read the result of " + taskId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while reading the result of " + taskId, e);
    }
  }

  /** The first bytes of one file of a result zip, and the file's whole size. */
  public record Excerpt(byte[] head, long size) {
    public boolean truncated() {
      return head.length < size;
    }
  }

  /**
   * Up to {@code maxBytes} of the file {@code entry} of the task's zip; empty when the zip has no
   * such file. The zip is copied to a temporary file first: its directory is at its end.
   */
  public Optional<Excerpt> excerpt(
      String owner, UUID taskId, int attempt, String entry, int maxBytes) {
    Path zip = null;
    try {
      zip = Files.createTempFile("gitfaas-result-", ".zip");
      try (OutputStream out = Files.newOutputStream(zip)) {
        copyTo(owner, taskId, attempt, out);
      }
      try (ZipFile file = new ZipFile(zip.toFile())) {
        ZipEntry found = file.getEntry(entry);
        if (found == null || found.isDirectory()) {
          return Optional.empty();
        }
        try (InputStream in = file.getInputStream(found)) {
          byte[] head = in.readNBytes(maxBytes);
          long size =
              found.getSize() >= 0
                  ? found.getSize()
                  : head.length + in.transferTo(OutputStream.nullOutputStream());
          return Optional.of(new Excerpt(head, size));
        }
      }
    } catch (IOException e) {
      throw new StoreException("could not read " + entry + " of the result of " + taskId, e);
    } finally {
      if (zip != null) {
        try {
          Files.deleteIfExists(zip);
        } catch (IOException e) {
          // a temporary file left behind; the OS cleans its temporary directory
        }
      }
    }
  }

  /** Removes an attempt's zip (one that lost its task to another attempt). */
  public void delete(String owner, UUID taskId, int attempt) {
    try {
      resources.results().delete(name(owner, taskId, attempt));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not remove a result of " + taskId, e);
    }
  }

  private static String name(String owner, UUID taskId, int attempt) {
    return UserKey.of(owner) + "/" + taskId + "/" + attempt;
  }
}
