package io.gitfaas.task;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The cancel signal within one process: every listener hears every id sent, at once. */
public final class InMemoryCancelSignal implements CancelSignal {
  private final List<Consumer<UUID>> listeners = new CopyOnWriteArrayList<>();
  private final List<UUID> sent = new CopyOnWriteArrayList<>();

  @Override
  public void send(String owner, UUID taskId) {
    sent.add(taskId);
    listeners.forEach(l -> l.accept(taskId));
  }

  @Override
  public AutoCloseable listen(Consumer<UUID> cancelled) {
    listeners.add(cancelled);
    return () -> listeners.remove(cancelled);
  }

  /** Every id sent so far, in order. */
  public List<UUID> sent() {
    return List.copyOf(sent);
  }
}
