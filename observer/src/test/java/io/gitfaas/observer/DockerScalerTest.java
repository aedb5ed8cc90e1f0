package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gitfaas.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker scaler against a stand-in for the Docker Engine API on a Unix socket: this machine has
 * no Docker engine. The stand-in answers the endpoints the scaler uses as the engine documents
 * them, and keeps containers in memory.
 */
class DockerScalerTest {
  @TempDir Path dir;
  FakeEngine engine;

  @BeforeEach
  void start() throws IOException {
    engine = new FakeEngine(dir.resolve("docker.sock"));
    for (int i = 1; i <= 3; i++) {
      engine.add("worker-" + i, "worker", true);
    }
    engine.add("frontend-1", "frontend", true);
  }

  @AfterEach
  void stop() throws IOException {
    engine.close();
  }

  @Test
  void copiesRunningWorkersUpAndStopsTheNewestDown() throws Exception {
    var scaler = new DockerScaler(dir.resolve("docker.sock"), "gitfaas", "worker");
    assertThat(scaler.current()).isEqualTo(3);

    scaler.scaleTo(5);
    assertThat(scaler.current()).isEqualTo(5);
    JsonNode created = engine.creates.get(0);
    assertThat(created.get("Image").asText()).isEqualTo("gitfaas-worker");
    assertThat(created.at("/HostConfig/SecurityOpt").toString()).contains("seccomp=unconfined");
    assertThat(created.at("/Labels/com.docker.compose.service").asText()).isEqualTo("worker");
    assertThat(created.at("/NetworkingConfig/EndpointsConfig").has("gitfaas_default")).isTrue();

    scaler.scaleTo(2);
    assertThat(scaler.current()).isEqualTo(2);
    assertThat(engine.stops).hasSize(3).allMatch(s -> s.endsWith("t=30"));
    // The two oldest stay.
    assertThat(engine.running("worker")).containsExactlyInAnyOrder("worker-1", "worker-2");
    assertThat(engine.running("frontend")).containsExactly("frontend-1");
  }

  /** Just enough of the Docker Engine API, on a Unix socket. */
  static final class FakeEngine implements AutoCloseable {
    final Map<String, ObjectNode> containers = new LinkedHashMap<>();
    final Map<String, Boolean> runningById = new LinkedHashMap<>();
    final List<JsonNode> creates = new ArrayList<>();
    final List<String> stops = new ArrayList<>();
    final AtomicLong clock = new AtomicLong(1000);
    final ServerSocketChannel server;

    FakeEngine(Path socket) throws IOException {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread t = new Thread(this::serve);
      t.setDaemon(true);
      t.start();
    }

    synchronized void add(String id, String service, boolean running) {
      ObjectNode c = Json.MAPPER.createObjectNode();
      c.put("Id", id);
      c.put("Created", clock.incrementAndGet());
      ObjectNode labels = c.putObject("Labels");
      labels.put("com.docker.compose.project", "gitfaas");
      labels.put("com.docker.compose.service", service);
      containers.put(id, c);
      runningById.put(id, running);
    }

    synchronized List<String> running(String service) {
      return containers.values().stream()
          .filter(c -> runningById.get(c.get("Id").asText()))
          .filter(c -> c.at("/Labels/com.docker.compose.service").asText().equals(service))
          .map(c -> c.get("Id").asText())
          .toList();
    }

    void serve() {
      while (server.isOpen()) {
        try (SocketChannel ch = server.accept()) {
          InputStream in = Channels.newInputStream(ch);
          String[] request = line(in).split(" ");
          int length = 0;
          for (String h = line(in); !h.isEmpty(); h = line(in)) {
            if (h.toLowerCase().startsWith("content-length:")) {
              length = Integer.parseInt(h.substring(15).trim());
            }
          }
          String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
          String[] answer = handle(request[0], request[1], body);
          byte[] payload = answer[1].getBytes(StandardCharsets.UTF_8);
          var out = Channels.newOutputStream(ch);
          out.write(
              ("HTTP/1.1 "
                      + answer[0]
                      + " X\r\nContent-Type: application/json\r\nContent-Length: "
                      + payload.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.write(payload);
          out.flush();
        } catch (IOException e) {
          return;
        }
      }
    }

    synchronized String[] handle(String method, String target, String body) throws IOException {
      String path = target.split("\\?")[0].replace(DockerScaler.API, "");
      if (method.equals("GET") && path.equals("/containers/json")) {
        String filters = URLDecoder.decode(target.split("filters=")[1], StandardCharsets.UTF_8);
        String service = Json.MAPPER.readTree(filters).get("label").get(1).asText().split("=")[1];
        var list = Json.MAPPER.createArrayNode();
        running(service).forEach(id -> list.add(containers.get(id)));
        return new String[] {"200", list.toString()};
      }
      String[] parts = path.split("/");
      if (method.equals("GET") && path.endsWith("/json")) {
        ObjectNode c = containers.get(parts[2]);
        ObjectNode inspect = Json.MAPPER.createObjectNode();
        ObjectNode config = inspect.putObject("Config");
        config.put("Image", "gitfaas-worker");
        config.putArray("Env").add("NATS_URL=nats://nats:4222");
        config.set("Labels", c.get("Labels"));
        inspect.putObject("HostConfig").putArray("SecurityOpt").add("seccomp=unconfined");
        inspect.putObject("NetworkSettings").putObject("Networks").putObject("gitfaas_default");
        return new String[] {"200", inspect.toString()};
      }
      if (method.equals("POST") && path.equals("/containers/create")) {
        JsonNode spec = Json.MAPPER.readTree(body);
        creates.add(spec);
        String id = target.split("name=")[1];
        add(id, spec.at("/Labels/com.docker.compose.service").asText(), false);
        return new String[] {"201", "{\"Id\": \"" + id + "\"}"};
      }
      if (method.equals("POST") && path.endsWith("/start")) {
        runningById.put(parts[2], true);
        return new String[] {"204", ""};
      }
      if (method.equals("POST") && path.endsWith("/stop")) {
        runningById.put(parts[2], false);
        stops.add(target);
        return new String[] {"204", ""};
      }
      if (method.equals("DELETE")) {
        containers.remove(parts[2]);
        runningById.remove(parts[2]);
        return new String[] {"204", ""};
      }
      return new String[] {"404", "{\"message\": \"no such endpoint\"}"};
    }

    static String line(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
        if (c != '\r') {
          b.write(c);
        }
      }
      return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
