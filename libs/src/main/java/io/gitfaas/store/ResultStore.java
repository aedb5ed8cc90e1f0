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
import java.util.OptionalLong;
import java.util.UUID;

/** Result zips in the JetStream object store, named by owner and task so users never collide. */
public final class ResultStore {
  private final NatsResources resources;

  public ResultStore(NatsResources resources) {
    this.resources = resources;
  }

  public void put(String owner, UUID taskId, Path zip) {
    try (InputStream in = Files.newInputStream(zip)) {
      resources
          .results()
          .put(ObjectMeta.builder(name(owner, taskId)).description("result " + taskId).build(), in);
    } catch (IOException | JetStreamApiException | NoSuchAlgorithmException e) {
      throw new StoreException("could not store the result of " + taskId, e);
    }
  }

  /** The zip's size, or empty when there is none (not finished, or expired). */
  public OptionalLong size(String owner, UUID taskId) {
    try {
      ObjectInfo info = resources.results().getInfo(name(owner, taskId));
      return info == null || info.isDeleted()
          ? OptionalLong.empty()
          : OptionalLong.of(info.getSize());
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not look up the result of " + taskId, e);
    }
  }

  public void copyTo(String owner, UUID taskId, OutputStream out) {
    try {
      resources.results().get(name(owner, taskId), out);
    } catch (IOException | JetStreamApiException | NoSuchAlgorithmException e) {
      throw new StoreException("could not read the result of " + taskId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while reading the result of " + taskId, e);
    }
  }

  private static String name(String owner, UUID taskId) {
    return UserKey.of(owner) + "/" + taskId;
  }
}
