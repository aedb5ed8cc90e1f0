package io.gitfaas.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The port a service is probed and scraped on. */
class MetricsEndpointTest {
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void healthzSaysWhatTheServiceSaysAndIsUnavailableUntilItHasSaidIt() throws Exception {
    try (var endpoint = MetricsEndpoint.start("test", "127.0.0.1", 0)) {
      assertThat(get(endpoint, "/healthz").statusCode()).isEqualTo(503);
      AtomicBoolean connected = new AtomicBoolean(true);
      endpoint.healthyWhen(connected::get);
      var up = get(endpoint, "/healthz");
      assertThat(up.statusCode()).isEqualTo(200);
      assertThat(up.body()).isEqualTo("ok\n");
      connected.set(false);
      assertThat(get(endpoint, "/healthz").statusCode()).isEqualTo(503);
      endpoint.healthyWhen(
          () -> {
            throw new IllegalStateException("broken check");
          });
      assertThat(get(endpoint, "/healthz").statusCode()).isEqualTo(503);
      assertThat(get(endpoint, "/metrics").statusCode()).isEqualTo(200);
    }
  }

  HttpResponse<String> get(MetricsEndpoint endpoint, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
