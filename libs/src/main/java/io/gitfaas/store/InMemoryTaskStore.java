package io.gitfaas.store;

import io.gitfaas.json.Json;
import io.gitfaas.task.TaskRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@link TaskStore} in memory, with the same revisions, compare-and-set and status rule as the
 * JetStream one (no expiry): for tests that need no services.
 */
public final class InMemoryTaskStore implements TaskStore {
  private final Map<String, Map<UUID, Versioned<TaskRecord>>> byOwner = new HashMap<>();
  private final Map<String, List<TaskListener>> watchers = new HashMap<>();
  private long revision;
  private long reads;

  @Override
  public synchronized Versioned<TaskRecord> create(String owner, TaskRecord record) {
    Map<UUID, Versioned<TaskRecord>> tasks = tasks(owner);
    if (tasks.containsKey(record.taskId())) {
      throw new StoreException("could not store task " + record.taskId() + ": it exists", null);
    }
    return put(owner, record);
  }

  @Override
  public synchronized Optional<Versioned<TaskRecord>> get(String owner, UUID taskId) {
    reads++;
    return Optional.ofNullable(tasks(owner).get(taskId));
  }

  /** How many records have been read ({@link #get}), for a test of what a path reads. */
  public synchronized long reads() {
    return reads;
  }

  @Override
  public synchronized Optional<byte[]> getJson(String owner, UUID taskId) {
    return get(owner, taskId).map(v -> Json.write(v.value()));
  }

  @Override
  public synchronized Versioned<TaskRecord> update(
      String owner, Versioned<TaskRecord> current, TaskRecord next) throws StaleRevisionException {
    TaskStore.checkUpdate(current, next);
    Versioned<TaskRecord> stored = tasks(owner).get(next.taskId());
    if (stored == null || stored.revision() != current.revision()) {
      throw new StaleRevisionException("task " + next.taskId() + " changed concurrently");
    }
    return put(owner, next);
  }

  @Override
  public synchronized void delete(String owner, UUID taskId) {
    if (tasks(owner).remove(taskId) != null) {
      revision++;
      listeners(owner).forEach(l -> l.removed(taskId.toString()));
    }
  }

  @Override
  public synchronized List<TaskRecord> list(String owner) {
    List<TaskRecord> out = new ArrayList<>();
    tasks(owner).values().forEach(v -> out.add(v.value()));
    out.sort(Comparator.comparing(TaskRecord::createdAt).reversed());
    return out;
  }

  @Override
  public synchronized AutoCloseable watch(String owner, TaskListener listener) {
    tasks(owner).values().stream()
        .sorted(Comparator.comparingLong(Versioned::revision))
        .forEach(v -> listener.changed(v.value()));
    listener.caughtUp();
    listeners(owner).add(listener);
    return () -> {
      synchronized (this) {
        listeners(owner).remove(listener);
      }
    };
  }

  private Versioned<TaskRecord> put(String owner, TaskRecord record) {
    Versioned<TaskRecord> stored = new Versioned<>(record, ++revision);
    tasks(owner).put(record.taskId(), stored);
    listeners(owner).forEach(l -> l.changed(record));
    return stored;
  }

  private Map<UUID, Versioned<TaskRecord>> tasks(String owner) {
    return byOwner.computeIfAbsent(owner, k -> new HashMap<>());
  }

  private List<TaskListener> listeners(String owner) {
    return watchers.computeIfAbsent(owner, k -> new CopyOnWriteArrayList<>());
  }
}
