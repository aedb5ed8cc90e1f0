package io.gitfaas.callback;

import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.store.StoreException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import java.io.IOException;

/** The callback queue on JetStream: the CALLBACKS stream, which workers' senders consume. */
public final class NatsCallbackQueue implements CallbackQueue {
  private final Connection connection;

  public NatsCallbackQueue(Connection connection) {
    this.connection = connection;
  }

  /** With the task id as message id: a worker that ends a task twice queues one callback. */
  @Override
  public void publish(Callback callback) {
    try {
      connection
          .jetStream()
          .publish(
              NatsTopology.CALLBACK_SUBJECT,
              Json.write(callback),
              PublishOptions.builder()
                  .messageId("callback-" + callback.record().taskId())
                  .expectedStream(NatsTopology.CALLBACK_STREAM)
                  .build());
    } catch (IOException | JetStreamApiException e) {
      throw new StoreException(
          "could not queue the callback of task " + callback.record().taskId(), e);
    }
  }
}
