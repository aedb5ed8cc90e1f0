package io.gitfaas.worker;

import io.gitfaas.worker.sandbox.Cancellation;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cancellations this worker has heard, by task id. A task this worker runs is stopped at once;
 * a cancellation heard for a task it has not claimed (yet) is remembered, so a claim that comes
 * after it (the message was already on its way, or its first worker was lost) stops the task too.
 * Every worker hears every cancellation: the most recent {@link #REMEMBERED} are kept.
 */
public final class CancelRequests {
  private static final Logger LOG = LoggerFactory.getLogger(CancelRequests.class);
  static final int REMEMBERED = 10_000;

  private final Map<UUID, Cancellation> running = new HashMap<>();
  private final Map<UUID, Boolean> heard =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      };

  /** Before a task is claimed: its cancellation, cancelled already if one was heard. */
  public synchronized Cancellation register(UUID taskId) {
    Cancellation cancellation = new Cancellation();
    running.put(taskId, cancellation);
    if (heard.containsKey(taskId)) {
      cancellation.cancel();
    }
    return cancellation;
  }

  /** Once the task's work here has ended. */
  public synchronized void unregister(UUID taskId, Cancellation cancellation) {
    running.remove(taskId, cancellation);
  }

  /** A cancellation heard: the task stops if it runs here, and is remembered. */
  public void heard(UUID taskId) {
    Cancellation cancellation;
    synchronized (this) {
      heard.put(taskId, Boolean.TRUE);
      cancellation = running.get(taskId);
    }
    if (cancellation != null) {
      LOG.info("task {} cancelled by its owner; stopping it", taskId);
      cancellation.cancel();
    }
  }
}
