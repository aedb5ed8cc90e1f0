package io.gitfaas.metrics;

import com.sun.net.httpserver.HttpServer;
import io.gitfaas.http.JdkHttpServers;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's Prometheus endpoint, {@code GET /metrics} on a port of its own (METRICS_HOST,
 * METRICS_PORT): never behind oauth2-proxy, and out of tasks' reach (they have no network). The
 * code records with Micrometer's global registry, which this registry joins; where no endpoint is
 * started (unit tests), recording costs nothing.
 *
 * <p>The same port answers {@code GET /healthz} for probes (Kubernetes, compose): 200 while the
 * service says it is healthy ({@link #healthyWhen}), 503 before it has said how to tell and while
 * it is not.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final PrometheusMeterRegistry registry;
  private final HttpServer server;
  private volatile BooleanSupplier healthy = () -> false;

  private MetricsEndpoint(PrometheusMeterRegistry registry, HttpServer server) {
    this.registry = registry;
    this.server = server;
  }

  /** Serves the service's metrics at {@code host:port} (port 0: any free one, logged). */
  public static MetricsEndpoint start(String service, String host, int port) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", service);
    Metrics.addRegistry(registry);
    HttpServer server = JdkHttpServers.create(new InetSocketAddress(host, port), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    MetricsEndpoint endpoint = new MetricsEndpoint(registry, server);
    server.createContext(
        "/healthz",
        exchange -> {
          boolean up;
          try {
            up = endpoint.healthy.getAsBoolean();
          } catch (RuntimeException e) {
            up = false;
          }
          byte[] body = (up ? "ok\n" : "unavailable\n").getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain");
          exchange.sendResponseHeaders(up ? 200 : 503, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    LOG.info("metrics on http://{}:{}/metrics", host, server.getAddress().getPort());
    return endpoint;
  }

  /** How /healthz tells whether the service is healthy (e.g. its NATS connection is up). */
  public MetricsEndpoint healthyWhen(BooleanSupplier check) {
    this.healthy = check;
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    Metrics.removeRegistry(registry);
    registry.close();
  }
}
