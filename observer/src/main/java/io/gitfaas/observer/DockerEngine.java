package io.gitfaas.observer;

import io.gitfaas.json.Json;
import java.io.IOException;
import java.time.Duration;

/**
 * The Docker Engine API, versioned as the Docker CLI does it: the engine's own version (its {@code
 * /_ping} says it) when that is older than the newest this client knows, else that newest one.
 * Engines before {@link #MIN_API} are refused with a message; engines after {@link #MAX_API} answer
 * in the version asked for.
 */
final class DockerEngine {
  /** The newest API version this client is written and tested for (Docker Engine 29). */
  static final String MAX_API = "1.52";

  /** The oldest whose container endpoints this client's requests fit (Docker Engine 20.10). */
  static final String MIN_API = "1.41";

  static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(15);

  private final EngineHttp http;
  private final Duration deadline;
  private volatile String version;

  DockerEngine(DockerHost engine, Duration deadline) {
    this.http = new EngineHttp(engine);
    this.deadline = deadline;
  }

  /** The API version in use, found on first use. */
  String version() throws IOException {
    String v = version;
    if (v == null) {
      v = negotiate();
      version = v;
    }
    return v;
  }

  /**
   * Sends a request to the versioned path; {@code extra} is added to the deadline, for requests
   * that wait on the engine (a stop's grace period).
   */
  EngineHttp.Response send(String method, String path, String jsonBody, Duration extra)
      throws IOException {
    return http.send(method, "/v" + version() + path, jsonBody, deadline.plus(extra));
  }

  EngineHttp.Response send(String method, String path, String jsonBody) throws IOException {
    return send(method, path, jsonBody, Duration.ZERO);
  }

  private String negotiate() throws IOException {
    EngineHttp.Response ping = http.send("GET", "/_ping", null, deadline);
    String server = ping.header("Api-Version");
    if (server == null) {
      // An engine (or a proxy in front of it) without the header: its /version says it.
      EngineHttp.Response v = http.send("GET", "/version", null, deadline);
      if (v.status() != 200) {
        throw new IOException("docker version answered " + v.status() + ": " + v.body());
      }
      server = Json.MAPPER.readTree(v.body()).path("ApiVersion").asText(null);
    }
    if (server == null || !server.matches("\\d+\\.\\d+")) {
      throw new IOException("the Docker engine did not say which API version it speaks");
    }
    if (compare(server, MIN_API) < 0) {
      throw new IOException(
          "the Docker engine speaks API "
              + server
              + "; the observer needs "
              + MIN_API
              + " or newer");
    }
    return compare(server, MAX_API) < 0 ? server : MAX_API;
  }

  /** Compares API versions such as {@code 1.9} and {@code 1.44} by their numbers. */
  static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    int major = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
    return major != 0 ? major : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
  }
}
