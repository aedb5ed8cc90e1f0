package io.gitfaas.worker;

import io.gitfaas.task.TaskRequest;
import io.gitfaas.worker.result.Outcome;
import java.io.IOException;

/** What runs a claimed task in its workspace: {@link TaskExecutor} in a worker. */
@FunctionalInterface
public interface TaskPipeline {
  /**
   * @throws IOException a fault of the worker, not of the task: the task is handed back
   */
  Outcome execute(TaskRequest task, Workspace ws) throws IOException, InterruptedException;
}
