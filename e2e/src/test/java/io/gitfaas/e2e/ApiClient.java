package io.gitfaas.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The REST API as a user calls it: through oauth2-proxy with the session cookie. */
final class ApiClient {
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private final String base;
  private final String cookie;

  ApiClient(String base, String cookie) {
    this.base = base;
    this.cookie = cookie;
  }

  HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<byte[]> post(String path, String json) throws Exception {
    return http.send(
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** A POST as a page of another site would send it: its own content type and Origin. */
  HttpResponse<byte[]> postFrom(String origin, String path, String contentType, String body)
      throws Exception {
    return http.send(
        request(path)
            .header("Content-Type", contentType)
            .header("Origin", origin)
            .header("Sec-Fetch-Site", "cross-site")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** POST of one file as multipart/form-data field {@code file}. */
  HttpResponse<byte[]> upload(String path, String filename, byte[] content) throws Exception {
    String boundary = "gitfaas-" + System.nanoTime();
    var body = new java.io.ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    body.write(content);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return http.send(
        request(path)
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  JsonNode json(HttpResponse<byte[]> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }

  String createTask(String url, String... parameters) throws Exception {
    return createTaskAt(url, null, parameters);
  }

  /** {@code n} tasks of the repository, with the parameters "0" to "n-1"; their ids. */
  java.util.List<String> createTasks(String url, int n) throws Exception {
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(createTask(url, Integer.toString(i)));
    }
    return ids;
  }

  /** A task on {@code ref} (a branch, tag or commit; null for the default branch). */
  String createTaskAt(String url, String ref, String... parameters) throws Exception {
    var body = Json.MAPPER.createObjectNode().put("url", url);
    if (ref != null) {
      body.put("ref", ref);
    }
    var params = body.putArray("parameters");
    for (String p : parameters) {
      params.add(p);
    }
    var r = post("/createTask", body.toString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("createTask: " + r.statusCode() + " " + new String(r.body()));
    }
    return json(r).get("taskId").asText();
  }

  JsonNode status(String taskId) throws Exception {
    return json(get("/getTaskStatus?taskId=" + taskId));
  }

  /** The task's record once it has ended (a code of 300 or more), waiting up to {@code wait}. */
  JsonNode awaitEnd(String taskId, Duration wait) {
    return org.awaitility.Awaitility.await()
        .atMost(wait)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status(taskId), s -> s.get("code").asInt() >= 300);
  }

  private HttpRequest.Builder request(String path) {
    var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (cookie != null) {
      b.header("Cookie", "_oauth2_proxy=" + cookie);
    }
    return b;
  }
}
