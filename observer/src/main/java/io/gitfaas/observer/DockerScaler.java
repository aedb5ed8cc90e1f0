package io.gitfaas.observer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gitfaas.json.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Workers as containers of the compose project's worker service, through the Docker Engine API
 * (DOCKER_HOST: its Unix socket, or a socket proxy). A new worker is a copy of a running one
 * (image, environment, security options, networks, labels, health check); scaling down stops the
 * newest ones with SIGTERM and a grace period, then removes them.
 */
public final class DockerScaler implements Scaler {
  static final int STOP_GRACE_SECONDS = 30;

  private final DockerEngine docker;
  private final String project;
  private final String service;

  public DockerScaler(DockerHost engine, String project, String service) {
    this(new DockerEngine(engine, DockerEngine.DEFAULT_DEADLINE), project, service);
  }

  DockerScaler(DockerEngine docker, String project, String service) {
    this.docker = docker;
    this.project = project;
    this.service = service;
  }

  @Override
  public int current() throws IOException {
    return running().size();
  }

  @Override
  public void scaleTo(int workers) throws IOException {
    List<JsonNode> running = running();
    if (running.isEmpty() && workers > 0) {
      throw new IOException(
          "no running container of service '"
              + service
              + "' in project '"
              + project
              + "' to copy: start the compose project first");
    }
    for (int i = running.size(); i < workers; i++) {
      start(running.get(0).get("Id").asText());
    }
    // Newest first, so the longest-running workers stay.
    running.sort((a, b) -> Long.compare(b.get("Created").asLong(), a.get("Created").asLong()));
    for (int i = 0; i < running.size() - workers; i++) {
      String id = running.get(i).get("Id").asText();
      check(
          docker.send(
              "POST",
              "/containers/" + id + "/stop?t=" + STOP_GRACE_SECONDS,
              null,
              Duration.ofSeconds(STOP_GRACE_SECONDS)),
          "stop");
      check(docker.send("DELETE", "/containers/" + id, null), "remove");
    }
  }

  private List<JsonNode> running() throws IOException {
    String filters =
        "{\"label\":[\"com.docker.compose.project="
            + project
            + "\","
            + "\"com.docker.compose.service="
            + service
            + "\"],\"status\":[\"running\"]}";
    var r =
        docker.send(
            "GET",
            "/containers/json?filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8),
            null);
    check(r, "list");
    List<JsonNode> out = new ArrayList<>();
    Json.MAPPER.readTree(r.body()).forEach(out::add);
    return out;
  }

  /** Creates and starts a copy of a running worker container. */
  private void start(String templateId) throws IOException {
    var inspect = docker.send("GET", "/containers/" + templateId + "/json", null);
    check(inspect, "inspect");
    JsonNode t = Json.MAPPER.readTree(inspect.body());
    ObjectNode create = Json.MAPPER.createObjectNode();
    create.put("Image", t.at("/Config/Image").asText());
    create.set("Env", t.at("/Config/Env"));
    create.set("Labels", t.at("/Config/Labels"));
    if (t.at("/Config/Healthcheck").isObject()) {
      create.set("Healthcheck", t.at("/Config/Healthcheck"));
    }
    create.set("HostConfig", t.get("HostConfig"));
    ObjectNode endpoints = Json.MAPPER.createObjectNode();
    t.at("/NetworkSettings/Networks")
        .fieldNames()
        .forEachRemaining(n -> endpoints.set(n, Json.MAPPER.createObjectNode()));
    create.putObject("NetworkingConfig").set("EndpointsConfig", endpoints);
    String name = project + "-" + service + "-" + UUID.randomUUID().toString().substring(0, 8);
    var created =
        docker.send(
            "POST", "/containers/create?name=" + name, Json.MAPPER.writeValueAsString(create));
    check(created, "create");
    String id = Json.MAPPER.readTree(created.body()).get("Id").asText();
    check(docker.send("POST", "/containers/" + id + "/start", null), "start");
  }

  private static void check(EngineHttp.Response r, String what) throws IOException {
    if (r.status() >= 300 && r.status() != 304) {
      throw new IOException("docker " + what + " answered " + r.status() + ": " + r.body());
    }
  }

  @Override
  public String describe() {
    return "docker (project " + project + ", service " + service + ")";
  }
}
