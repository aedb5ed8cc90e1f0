package io.gitfaas.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The REST API as the command line uses it: a base URL and a way to sign in, a bearer ID token
 * (GITFAAS_TOKEN) or oauth2-proxy's session cookie from a file (GITFAAS_COOKIE_FILE), never from
 * the command line, where {@code ps} shows it. Every answer the API refuses becomes a {@link
 * Refused} with the API's own message.
 */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SESSION_COOKIE = "_oauth2_proxy";

  private final URI base;
  private final String authHeader;
  private final String authValue;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Api(URI base, String authHeader, String authValue) {
    this.base = base;
    this.authHeader = authHeader;
    this.authValue = authValue;
  }

  /** From the environment: GITFAAS_URL, and GITFAAS_TOKEN or GITFAAS_COOKIE_FILE. */
  static Api fromEnvironment(Map<String, String> env, String urlOption) throws IOException {
    String url =
        urlOption != null ? urlOption : env.getOrDefault("GITFAAS_URL", "http://localhost:4180");
    URI base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    String token = env.get("GITFAAS_TOKEN");
    if (token != null && !token.isBlank()) {
      return new Api(base, "Authorization", "Bearer " + token.strip());
    }
    String cookieFile = env.get("GITFAAS_COOKIE_FILE");
    if (cookieFile != null && !cookieFile.isBlank()) {
      String cookie = Files.readString(Path.of(cookieFile)).strip();
      // The bare value of _oauth2_proxy, or a whole Cookie header (a split session's parts).
      boolean header =
          cookie.startsWith(SESSION_COOKIE + "=") || cookie.startsWith(SESSION_COOKIE + "_");
      return new Api(base, "Cookie", header ? cookie : SESSION_COOKIE + "=" + cookie);
    }
    throw new Refused(
        401,
        "not signed in: set GITFAAS_TOKEN (e.g. $(scripts/login.sh --token you@example.com)) or"
            + " GITFAAS_COOKIE_FILE (a file holding the _oauth2_proxy cookie)",
        null);
  }

  /** A refusal of the API, or no API at all: the message is for the user. */
  static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String retryAfter;

    Refused(int status, String message, String retryAfter) {
      super(message);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).header(authHeader, authValue);
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return json(send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
  }

  JsonNode post(String path, Object body) throws IOException, InterruptedException {
    byte[] json = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
    return json(
        send(
            request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray()));
  }

  /** The result zip of a finished task, into {@code file}. */
  void download(String path, Path file) throws IOException, InterruptedException {
    HttpResponse<InputStream> r =
        send(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** An event stream's lines, as they come. */
  Stream<String> events(String path) throws IOException, InterruptedException {
    return send(
            request(path).header("Accept", "text/event-stream").GET().build(),
            HttpResponse.BodyHandlers.ofLines())
        .body();
  }

  static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    HttpResponse<T> r;
    try {
      r = http.send(request, handler);
    } catch (ConnectException e) {
      throw new Refused(0, "cannot reach " + base + " (is the service running? GITFAAS_URL)", null);
    }
    if (r.statusCode() >= 400) {
      String body = readBody(r.body());
      String message = "HTTP " + r.statusCode();
      try {
        JsonNode error = JSON.readTree(body).path("error");
        if (error.isTextual()) {
          message = error.asText();
        }
      } catch (IOException e) {
        // not JSON: a proxy's page; its status says enough
      }
      if (r.statusCode() == 401) {
        message =
            "not signed in, or the sign-in has expired ("
                + message
                + "): GITFAAS_TOKEN=$(scripts/login.sh --token you@example.com), or"
                + " GITFAAS_COOKIE_FILE";
      }
      throw new Refused(
          r.statusCode(), message, r.headers().firstValue("Retry-After").orElse(null));
    }
    return r;
  }

  private static String readBody(Object body) throws IOException {
    if (body instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    if (body instanceof InputStream in) {
      try (in) {
        return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      }
    }
    if (body instanceof Stream<?> lines) {
      try (lines) {
        return String.join("\n", lines.map(Object::toString).limit(100).toList());
      }
    }
    return "";
  }

  private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
    return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
  }
}
