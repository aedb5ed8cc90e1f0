package io.gitfaas.inject;

import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.store.StoreException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectMeta;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Injection requests through NATS: the upload is staged in the {@code uploads} object store
 * (chunked, so not limited by NATS' message size) and the request published on the INJECTIONS
 * stream for the injector.
 */
public final class NatsInjectionRequests implements InjectionRequests {
  private final Connection connection;
  private final NatsResources resources;

  public NatsInjectionRequests(Connection connection, NatsResources resources) {
    this.connection = connection;
    this.resources = resources;
  }

  @Override
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

  @Override
  public void requestDelete(String name, String by) {
    publish(new InjectionRequest(InjectionRequest.Op.DELETE, name, null, 0, by, Instant.now()));
  }

  @Override
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
          .sorted(Comparator.comparing(InjectedFile::name))
          .toList();
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not list injected files", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted", e);
    }
  }

  @Override
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

  private void publish(InjectionRequest request) {
    try {
      connection.jetStream().publish(NatsTopology.INJECTION_SUBJECT, Json.write(request));
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
