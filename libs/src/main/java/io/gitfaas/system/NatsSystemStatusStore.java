package io.gitfaas.system;

import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.StoreException;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The system status in the observer's KV bucket; decisions expire with the bucket's TTL. */
public final class NatsSystemStatusStore implements SystemStatusStore {
  private static final String STATUS_KEY = "status";
  private static final String DECISION_PREFIX = "decision.";
  private static final String HISTORY_KEY = "history";

  private final NatsResources resources;

  public NatsSystemStatusStore(NatsResources resources) {
    this.resources = resources;
  }

  @Override
  public void publish(SystemStatus status) {
    try {
      kv().put(STATUS_KEY, Json.write(status));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not publish the system status", e);
    }
  }

  @Override
  public void publish(SystemHistory history) {
    try {
      kv().put(HISTORY_KEY, Json.write(history));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not publish the system history", e);
    }
  }

  @Override
  public SystemHistory history() {
    try {
      KeyValueEntry e = kv().get(HISTORY_KEY);
      if (e == null || e.getOperation() != KeyValueOperation.PUT) {
        return SystemHistory.empty();
      }
      try {
        return Json.read(e.getValue(), SystemHistory.class);
      } catch (RuntimeException notAHistory) {
        return SystemHistory.empty();
      }
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not read the system history", e);
    }
  }

  @Override
  public void record(ScalingDecision decision) {
    try {
      // Sortable by time; the nanos keep two decisions in one millisecond apart.
      String key =
          String.format(
              "%s%019d",
              DECISION_PREFIX,
              decision.time().toEpochMilli() * 1000 + decision.time().getNano() / 1000 % 1000);
      kv().put(key, Json.write(decision));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not record a scaling decision", e);
    }
  }

  @Override
  public Optional<SystemStatus> status() {
    try {
      KeyValueEntry e = kv().get(STATUS_KEY);
      return e == null || e.getOperation() != KeyValueOperation.PUT
          ? Optional.empty()
          : Optional.of(Json.read(e.getValue(), SystemStatus.class));
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not read the system status", e);
    }
  }

  @Override
  public List<ScalingDecision> decisions(int limit) {
    try {
      KeyValue kv = kv();
      List<String> keys = new ArrayList<>(kv.keys(DECISION_PREFIX + ">"));
      keys.sort(Comparator.reverseOrder());
      List<ScalingDecision> out = new ArrayList<>();
      for (String key : keys.subList(0, Math.min(limit, keys.size()))) {
        KeyValueEntry e = kv.get(key);
        if (e != null && e.getOperation() == KeyValueOperation.PUT) {
          out.add(Json.read(e.getValue(), ScalingDecision.class));
        }
      }
      return out;
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not read the scaling decisions", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted", e);
    }
  }

  private KeyValue kv() throws IOException {
    return resources.observer();
  }
}
