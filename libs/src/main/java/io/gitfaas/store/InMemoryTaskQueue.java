package io.gitfaas.store;

import io.gitfaas.task.TaskRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The work queue in memory, one entry per task id: for tests that need no services. Like the
 * JetStream queue it holds at most so much, and refuses what would pass that.
 */
public final class InMemoryTaskQueue implements TaskQueue {
  private record Queued(TaskRequest request, long recordRevision) {}

  private final Map<UUID, Queued> waiting = new LinkedHashMap<>();
  private final int capacity;

  public InMemoryTaskQueue() {
    this(Integer.MAX_VALUE);
  }

  /** A queue that holds at most {@code capacity} tasks. */
  public InMemoryTaskQueue(int capacity) {
    this.capacity = capacity;
  }

  @Override
  public synchronized void publish(TaskRequest request, long recordRevision) {
    if (!waiting.containsKey(request.taskId()) && waiting.size() >= capacity) {
      throw StoreFullException.queue(null);
    }
    waiting.putIfAbsent(request.taskId(), new Queued(request, recordRevision));
  }

  /** The record revision the task was enqueued with. */
  public synchronized OptionalLong revisionOf(UUID taskId) {
    Queued queued = waiting.get(taskId);
    return queued == null ? OptionalLong.empty() : OptionalLong.of(queued.recordRevision());
  }

  /** What waits, oldest first. */
  public synchronized List<TaskRequest> waiting() {
    return waiting.values().stream().map(Queued::request).toList();
  }
}
