package io.gitfaas.inject;

import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.StoreException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectMeta;
import io.nats.client.api.ObjectStoreWatchOption;
import io.nats.client.api.ObjectStoreWatcher;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Injected files, through NATS: the frontend stages an upload in the {@code uploads} object store
 * (chunked, so not limited by NATS' message size) and asks the injector, on the INJECTIONS stream,
 * to store it; the injector is the only writer of {@code injected}.
 */
public final class InjectionStore {
  private final Connection connection;
  private final NatsResources resources;

  public InjectionStore(Connection connection, NatsResources resources) {
    this.connection = connection;
    this.resources = resources;
  }

  /** An upload over the size limit. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    public TooLargeException(long max) {
      super("the file is larger than " + max + " bytes (INJECT_MAX_BYTES)");
    }
  }

  /** An injected file as admins see it. */
  public record InjectedFile(String name, long size, Instant modified) {}

  /** Stages the content and asks the injector to store it under {@code name}. */
  public InjectionRequest stage(String name, InputStream content, long maxBytes, String by)
      throws IOException {
    String uploadId = UUID.randomUUID().toString();
    ObjectInfo info;
    try {
      info =
          resources
              .uploads()
              .put(
                  ObjectMeta.builder(uploadId).description(name).build(),
                  new Capped(content, maxBytes));
    } catch (TooLargeException e) {
      deleteQuietly(uploadId);
      throw e;
    } catch (JetStreamApiException | NoSuchAlgorithmException e) {
      deleteQuietly(uploadId);
      throw new StoreException("could not stage the upload", e);
    }
    var request =
        new InjectionRequest(
            InjectionRequest.Op.PUT, name, uploadId, info.getSize(), by, Instant.now());
    publish(request);
    return request;
  }

  public void requestDelete(String name, String by) {
    publish(new InjectionRequest(InjectionRequest.Op.DELETE, name, null, 0, by, Instant.now()));
  }

  public List<InjectedFile> list() {
    try {
      return resources.injected().getList().stream()
          .filter(i -> !i.isDeleted())
          .map(
              i ->
                  new InjectedFile(
                      i.getObjectName(),
                      i.getSize(),
                      i.getModified() == null ? null : i.getModified().toInstant()))
          .sorted(java.util.Comparator.comparing(InjectedFile::name))
          .toList();
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not list injected files", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted", e);
    }
  }

  /** Names of uploads the injector has not stored yet. */
  public List<String> pending() {
    try {
      return resources.uploads().getList().stream()
          .filter(i -> !i.isDeleted())
          .map(i -> i.getObjectMeta().getDescription())
          .sorted()
          .toList();
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not list pending uploads", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted", e);
    }
  }

  /** The injector's side: carries out one request; doing it twice is harmless. */
  public void apply(InjectionRequest request, Path scratch) throws IOException {
    try {
      switch (request.op()) {
        case PUT -> {
          if (resources.uploads().getInfo(request.uploadId()) == null) {
            return; // done before (a redelivery): the upload was removed after storing it
          }
          Path tmp = Files.createTempFile(scratch, "inject-", ".bin");
          try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
              resources.uploads().get(request.uploadId(), out);
            }
            try (InputStream in = Files.newInputStream(tmp)) {
              resources.injected().put(ObjectMeta.builder(request.name()).build(), in);
            }
            resources.uploads().delete(request.uploadId());
          } finally {
            Files.deleteIfExists(tmp);
          }
        }
        case DELETE -> {
          if (resources.injected().getInfo(request.name()) != null) {
            resources.injected().delete(request.name());
          }
        }
      }
    } catch (JetStreamApiException | NoSuchAlgorithmException e) {
      throw new IOException("could not apply " + request.op() + " " + request.name(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Calls {@code onChange} whenever an injected file is stored or deleted, until the returned
   * handle is closed (workers, to know when their copy is out of date).
   */
  public AutoCloseable watch(Runnable onChange) throws IOException {
    try {
      return resources
          .injected()
          .watch(
              new ObjectStoreWatcher() {
                @Override
                public void watch(ObjectInfo info) {
                  onChange.run();
                }

                @Override
                public void endOfData() {}
              },
              ObjectStoreWatchOption.UPDATES_ONLY);
    } catch (JetStreamApiException e) {
      throw new IOException("could not watch injected files", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Copies every injected file into {@code dir} and removes what was deleted (workers). */
  public void mirror(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
      List<ObjectInfo> infos = resources.injected().getList();
      java.util.Set<String> keep = new java.util.HashSet<>();
      for (ObjectInfo info : infos) {
        if (info.isDeleted() || !InjectedFileName.isSafe(info.getObjectName())) {
          continue;
        }
        String name = info.getObjectName();
        keep.add(name);
        Path stamp = dir.resolve(".digest." + name);
        String digest = info.getDigest();
        if (Files.exists(dir.resolve(name))
            && Files.exists(stamp)
            && Files.readString(stamp).equals(digest)) {
          continue;
        }
        Path tmp = Files.createTempFile(dir, ".incoming-", ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
          resources.injected().get(name, out);
        }
        tmp.toFile().setReadable(true, false);
        Files.move(
            tmp,
            dir.resolve(name),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(stamp, digest);
      }
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          String n = p.getFileName().toString();
          String base = n.startsWith(".digest.") ? n.substring(8) : n;
          if (!keep.contains(base) || n.startsWith(".incoming-")) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (JetStreamApiException | NoSuchAlgorithmException e) {
      throw new IOException("could not mirror injected files", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void publish(InjectionRequest request) {
    try {
      connection.jetStream().publish(NatsResources.INJECTION_SUBJECT, Json.write(request));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not hand the request to the injector", e);
    }
  }

  private void deleteQuietly(String uploadId) {
    try {
      resources.uploads().delete(uploadId);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      // expires with the uploads store's TTL
    }
  }

  /** Stops reading past the limit. */
  private static final class Capped extends FilterInputStream {
    private final long max;
    private long read;

    Capped(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b != -1 && ++read > max) {
        throw new TooLargeException(max);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0 && (read += n) > max) {
        throw new TooLargeException(max);
      }
      return n;
    }
  }
}
