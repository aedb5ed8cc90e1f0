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

/**
 * Result zips in the JetStream object store, named by owner, task and attempt: users never collide,
 * and an attempt that lost its task to a later one never overwrites the zip the task's record
 * points to (the record names its attempt).
 */
public final class NatsResultStore implements ResultStore {
  private final NatsResources resources;

  public NatsResultStore(NatsResources resources) {
    this.resources = resources;
  }

  @Override
  public void put(String owner, UUID taskId, int attempt, Path zip) {
    try (InputStream in = Files.newInputStream(zip)) {
      resources
          .results()
          .put(
              ObjectMeta.builder(name(owner, taskId, attempt))
                  .description("result " + taskId)
                  .build(),
              in);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == StoreFullException.MAXIMUM_BYTES_EXCEEDED) {
        throw StoreFullException.results(taskId, e);
      }
      throw new StoreException("could not store the result of " + taskId, e);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new StoreException("could not store the result of " + taskId, e);
    }
  }

  /** The zip's size, or empty when there is none (not finished, or expired). */
  @Override
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

  @Override
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

  /** Removes an attempt's zip (one that lost its task to another attempt). */
  @Override
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
