package io.gitfaas.worker;

import io.gitfaas.task.LiveOutput;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.worker.sandbox.OutputListener;
import io.nats.client.Connection;

/** Publishes a run's output on its task's subjects as it comes (core NATS: nothing is kept). */
final class NatsLiveOutput implements TaskExecutor.Live {
  private final Connection connection;

  NatsLiveOutput(Connection connection) {
    this.connection = connection;
  }

  @Override
  public OutputListener listener(TaskRequest task, String stream) {
    String subject = LiveOutput.subject(task.owner(), task.taskId(), stream);
    return bytes -> {
      try {
        connection.publish(subject, bytes);
      } catch (IllegalStateException e) {
        // disconnected: live output is best effort, the zip has everything
      }
    };
  }

  @Override
  public void end(TaskRequest task) {
    try {
      connection.publish(
          LiveOutput.subject(task.owner(), task.taskId(), LiveOutput.END), new byte[0]);
    } catch (IllegalStateException e) {
      // as above
    }
  }
}
