package io.gitfaas.nats;

import io.gitfaas.config.Settings.NatsSettings;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the service's NATS connection: reconnects forever and logs every change of state. */
public final class NatsConnector {
  private static final Logger LOG = LoggerFactory.getLogger(NatsConnector.class);

  private NatsConnector() {}

  /** The inbox prefix of a service's NATS user: its replies are for no other service. */
  public static String inboxPrefix(String user) {
    return "_INBOX_" + user;
  }

  public static Connection connect(NatsSettings settings, String connectionName)
      throws IOException, InterruptedException {
    Options.Builder options =
        new Options.Builder()
            .server(settings.url())
            .connectionName(connectionName)
            .maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(500))
            .connectionTimeout(Duration.ofSeconds(5))
            .connectionListener(
                (ConnectionListener)
                    (conn, event) -> LOG.info("NATS {}: {}", connectionName, event))
            .errorListener(
                new ErrorListener() {
                  @Override
                  public void errorOccurred(Connection conn, String error) {
                    LOG.warn("NATS {} error: {}", connectionName, error);
                  }

                  @Override
                  public void exceptionOccurred(Connection conn, Exception exp) {
                    LOG.warn("NATS {} exception: {}", connectionName, exp.toString());
                  }
                });
    if (settings.user() != null) {
      options.userInfo(settings.user(), settings.password());
      // Replies come to an inbox only this service may read (see deploy/nats/nats-server.conf).
      options.inboxPrefix(inboxPrefix(settings.user()));
    }
    // Waits for the first connection too, so services may start before nats-server is up.
    return Nats.connectReconnectOnConnect(options.build());
  }

  /** Whether the connection is up now: what a service's /healthz reports. */
  public static BooleanSupplier connected(Connection connection) {
    return () -> connection.getStatus() == Connection.Status.CONNECTED;
  }
}
