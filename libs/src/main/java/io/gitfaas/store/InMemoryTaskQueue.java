package io.gitfaas.store;

import io.gitfaas.task.TaskRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The work queue in memory, one entry per task id: for tests that need no services. */
public final class InMemoryTaskQueue implements TaskQueue {
  private final Map<UUID, TaskRequest> waiting = new LinkedHashMap<>();

  @Override
  public synchronized void publish(TaskRequest request) {
    waiting.putIfAbsent(request.taskId(), request);
  }

  /** What waits, oldest first. */
  public synchronized List<TaskRequest> waiting() {
    return List.copyOf(waiting.values());
  }
}
