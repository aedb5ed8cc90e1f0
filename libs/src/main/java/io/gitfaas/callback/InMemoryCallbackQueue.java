package io.gitfaas.callback;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The callback queue in one process: what was queued, in order. */
public final class InMemoryCallbackQueue implements CallbackQueue {
  private final List<Callback> queued = new CopyOnWriteArrayList<>();

  @Override
  public void publish(Callback callback) {
    if (queued.stream().noneMatch(c -> c.record().taskId().equals(callback.record().taskId()))) {
      queued.add(callback);
    }
  }

  public List<Callback> queued() {
    return List.copyOf(queued);
  }
}
