package io.gitfaas.observer;

import io.gitfaas.nats.NatsTopology;
import io.gitfaas.system.SystemStatus.StoreUse;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How full the system's shared stores are, from JetStream's own figures, and a warning for each
 * past {@link #WARN_PERCENT} of its cap (writes past the cap are refused).
 */
final class StorageProbe {
  static final int WARN_PERCENT = 90;

  /** A shared stream, and the setting that sizes it (null: a fixed size). */
  private record Store(String stream, String setting) {}

  /** Each shared stream, by the name admins see. */
  private static final Map<String, Store> STORES = new LinkedHashMap<>();

  static {
    STORES.put(
        "results", new Store("OBJ_" + NatsTopology.RESULTS_STORE, "RESULTS_STORE_MAX_BYTES"));
    STORES.put("queue", new Store(NatsTopology.TASK_STREAM, "QUEUE_MAX_BYTES"));
    STORES.put("injection requests", new Store(NatsTopology.INJECTION_STREAM, "QUEUE_MAX_BYTES"));
    STORES.put("callbacks", new Store(NatsTopology.CALLBACK_STREAM, "QUEUE_MAX_BYTES"));
    STORES.put("uploads", new Store("OBJ_" + NatsTopology.UPLOADS_STORE, "FILES_STORE_MAX_BYTES"));
    STORES.put(
        "injected files", new Store("OBJ_" + NatsTopology.INJECTED_STORE, "FILES_STORE_MAX_BYTES"));
    STORES.put("admission", new Store("KV_" + NatsTopology.ADMISSION_BUCKET, null));
  }

  private final Connection connection;

  StorageProbe(Connection connection) {
    this.connection = connection;
  }

  List<StoreUse> sample() throws IOException, JetStreamApiException {
    var jsm = connection.jetStreamManagement();
    List<StoreUse> out = new ArrayList<>();
    for (var store : STORES.entrySet()) {
      try {
        StreamInfo info = jsm.getStreamInfo(store.getValue().stream());
        out.add(
            new StoreUse(
                store.getKey(),
                info.getStreamState().getByteCount(),
                info.getConfiguration().getMaxBytes()));
      } catch (JetStreamApiException e) {
        if (e.getErrorCode() != 404) {
          throw e;
        }
        // not declared yet: no service has started that makes it
      }
    }
    return out;
  }

  static List<String> warnings(List<StoreUse> storage) {
    List<String> out = new ArrayList<>();
    for (StoreUse use : storage) {
      if (use.percent() >= WARN_PERCENT) {
        Store store = STORES.get(use.name());
        out.add(
            "the "
                + use.name()
                + " store is "
                + use.percent()
                + "% full"
                + (store == null || store.setting() == null ? "" : " (" + store.setting() + ")")
                + ": writes past its cap are refused");
      }
    }
    return out;
  }
}
