package io.gitfaas.store;

import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.task.TaskRequest;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import java.io.IOException;

/** The work queue: task requests published to the TASKS stream. */
public final class TaskQueue {
  private final Connection connection;

  public TaskQueue(Connection connection) {
    this.connection = connection;
  }

  /** Publishes with the task id as message id, so a retried publish enqueues the task once. */
  public void publish(TaskRequest request) {
    try {
      connection
          .jetStream()
          .publish(
              NatsResources.TASK_SUBJECT,
              Json.write(request),
              PublishOptions.builder()
                  .messageId(request.taskId().toString())
                  .expectedStream(NatsResources.TASK_STREAM)
                  .build());
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException("could not enqueue task " + request.taskId(), e);
    }
  }
}
