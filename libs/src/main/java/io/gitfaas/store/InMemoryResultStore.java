package io.gitfaas.store;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ResultStore} in memory (no expiry): for tests that need no services. Like the JetStream
 * store it may hold at most so many bytes, and refuses what would pass that.
 */
public final class InMemoryResultStore implements ResultStore {
  private final Map<String, byte[]> zips = new ConcurrentHashMap<>();
  private final long maxBytes;

  public InMemoryResultStore() {
    this(Long.MAX_VALUE);
  }

  public InMemoryResultStore(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public synchronized void put(String owner, UUID taskId, int attempt, Path zip) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(zip);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long held = zips.values().stream().mapToLong(z -> z.length).sum();
    if (held + bytes.length > maxBytes) {
      throw StoreFullException.results(taskId, null);
    }
    zips.put(name(owner, taskId, attempt), bytes);
  }

  @Override
  public OptionalLong size(String owner, UUID taskId, int attempt) {
    byte[] zip = zips.get(name(owner, taskId, attempt));
    return zip == null ? OptionalLong.empty() : OptionalLong.of(zip.length);
  }

  @Override
  public void copyTo(String owner, UUID taskId, int attempt, OutputStream out) {
    byte[] zip = zips.get(name(owner, taskId, attempt));
    if (zip == null) {
      throw new StoreException("no result of " + taskId, null);
    }
    try {
      out.write(zip);
    } catch (IOException e) {
      throw new StoreException("could not copy the result of " + taskId, e);
    }
  }

  @Override
  public void delete(String owner, UUID taskId, int attempt) {
    zips.remove(name(owner, taskId, attempt));
  }

  private static String name(String owner, UUID taskId, int attempt) {
    return owner + "/" + taskId + "/" + attempt;
  }
}
