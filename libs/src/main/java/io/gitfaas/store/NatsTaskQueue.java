package io.gitfaas.store;

import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.task.TaskRequest;
import io.gitfaas.task.UserKey;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import java.io.IOException;

/** The work queue on JetStream: task requests published to the TASKS stream, a subject a user. */
public final class NatsTaskQueue implements TaskQueue {
  private final Connection connection;

  public NatsTaskQueue(Connection connection) {
    this.connection = connection;
  }

  /** The header that carries the revision of the task's record. */
  public static final String RECORD_REVISION = "Gitfaas-Record-Revision";

  /** Publishes with the task id as message id, so a retried publish enqueues the task once. */
  @Override
  public void publish(TaskRequest request, long recordRevision) {
    Headers headers = new Headers().put(RECORD_REVISION, Long.toString(recordRevision));
    try {
      connection
          .jetStream()
          .publish(
              NatsTopology.taskSubject(UserKey.of(request.owner())),
              headers,
              Json.write(request),
              PublishOptions.builder()
                  .messageId(request.taskId().toString())
                  .expectedStream(NatsTopology.TASK_STREAM)
                  .build());
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == StoreFullException.MAXIMUM_BYTES_EXCEEDED) {
        throw StoreFullException.queue(e);
      }
      throw new StoreException("could not enqueue task " + request.taskId(), e);
    } catch (IOException e) {
      throw new StoreException("could not enqueue task " + request.taskId(), e);
    }
  }
}
