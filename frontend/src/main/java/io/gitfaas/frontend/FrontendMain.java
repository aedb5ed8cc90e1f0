package io.gitfaas.frontend;

import io.gitfaas.config.Settings;
import io.gitfaas.config.SettingsException;
import io.gitfaas.metrics.MetricsEndpoint;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.javalin.Javalin;
import io.nats.client.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the REST frontend. */
public final class FrontendMain {
  private static final Logger LOG = LoggerFactory.getLogger(FrontendMain.class);

  private FrontendMain() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.fromEnv(System.getenv(), Settings.Service.FRONTEND);
    } catch (SettingsException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    var endpoint =
        MetricsEndpoint.start("frontend", settings.metrics().host(), settings.metrics().port());
    Connection connection = NatsConnector.connect(settings.nats(), "frontend");
    NatsResources.of(connection, settings).ensure();
    Javalin app = Frontend.create(settings, connection).start();
    // The same answer as the API port's /healthz, for a probe that uses the metrics port.
    endpoint.healthyWhen(NatsConnector.connected(connection));
    LOG.info("frontend listening on http://{}:{}", settings.frontend().host(), app.port());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.stop();
                  try {
                    connection.close();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "shutdown"));
  }
}
