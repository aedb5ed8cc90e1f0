package io.gitfaas.inject;

import io.gitfaas.nats.NatsResources;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ObjectMeta;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;

/** The injector's side: the one writer of the {@code injected} object store. */
public final class InjectionApplier {
  private final NatsResources resources;

  public InjectionApplier(NatsResources resources) {
    this.resources = resources;
  }

  /** Carries out one request; doing it twice is harmless. */
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
}
