package io.gitfaas.worker;

import io.gitfaas.task.TaskRequest;
import io.gitfaas.worker.result.Outcome;
import io.gitfaas.worker.sandbox.Cancellation;
import java.io.IOException;

/** What runs a claimed task in its workspace: {@link TaskExecutor} in a worker. */
@FunctionalInterface
public interface TaskPipeline {
  /**
   * @param cancellation cancelled when the task's owner takes it back: the pipeline stops its work
   *     (the program it runs is killed) and returns what it has
   * @throws IOException a fault of the worker, not of the task: the task is handed back
   */
  Outcome execute(TaskRequest task, Workspace ws, Cancellation cancellation)
      throws IOException, InterruptedException;
}
