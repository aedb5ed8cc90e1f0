package io.gitfaas.frontend;

import io.gitfaas.config.Settings;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.task.LiveOutput;
import io.gitfaas.testkit.NatsTestServer;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/** The routes over JetStream, against a real nats-server. */
class NatsFrontendIntegrationTest extends FrontendRoutesContract {
  NatsTestServer nats;
  Connection connection;

  @Override
  Backend startBackend(Map<String, String> env) throws Exception {
    nats = new NatsTestServer();
    env.put("NATS_URL", nats.url());
    Settings settings = Settings.fromEnv(env, Settings.Service.FRONTEND);
    connection = NatsConnector.connect(settings.nats(), "frontend-test");
    NatsResources.of(connection, settings).ensure();
    return Backend.nats(connection, settings);
  }

  @Override
  void stopBackend() throws Exception {
    connection.close();
    nats.close();
  }

  @Override
  void publishOutput(String owner, UUID taskId, String stream, String text) throws Exception {
    connection.publish(
        LiveOutput.subject(owner, taskId, stream), text.getBytes(StandardCharsets.UTF_8));
    connection.flush(java.time.Duration.ofSeconds(5));
  }
}
