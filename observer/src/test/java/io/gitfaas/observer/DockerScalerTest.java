package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gitfaas.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
 * no Docker engine. The stand-in answers the endpoints the scaler uses as Docker Engine 29 does
 * (API 1.52, oldest accepted 1.44): {@code /_ping} with its Api-Version header, a 400 for a version
 * outside its range, JSON bodies over 2 KiB chunked as Go's HTTP server sends them, 204s without a
 * body. It keeps containers in memory.
 */
class DockerScalerTest {
  @TempDir Path dir;
  FakeEngine engine;

  @BeforeEach
  void start() throws IOException {
    engine = new FakeEngine(dir.resolve("docker.sock"), "1.52", "1.44");
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
    var scaler = new DockerScaler(DockerHost.unix(dir.resolve("docker.sock")), "gitfaas", "worker");
    assertThat(scaler.current()).isEqualTo(3);

    scaler.scaleTo(5);
    assertThat(scaler.current()).isEqualTo(5);
    JsonNode created = engine.creates.get(0);
    assertThat(created.get("Image").asText()).isEqualTo("gitfaas-worker");
    assertThat(created.at("/HostConfig/SecurityOpt").toString()).contains("seccomp=unconfined");
    // The copy is health-checked as the compose service is.
    assertThat(created.at("/Healthcheck/Test").toString()).isEqualTo("[\"CMD\",\"true\"]");
    assertThat(created.at("/Labels/com.docker.compose.service").asText()).isEqualTo("worker");
    assertThat(created.at("/NetworkingConfig/EndpointsConfig").has("gitfaas_default")).isTrue();

    scaler.scaleTo(2);
    assertThat(scaler.current()).isEqualTo(2);
    assertThat(engine.stops).hasSize(3).allMatch(s -> s.endsWith("t=30"));
    // The two oldest stay.
    assertThat(engine.running("worker")).containsExactlyInAnyOrder("worker-1", "worker-2");
    assertThat(engine.running("frontend")).containsExactly("frontend-1");
    assertThat(engine.paths)
        .filteredOn(p -> !p.equals("/_ping"))
        .allMatch(p -> p.startsWith("/v1.52/"));
  }

  @Test
  void anOlderEngineIsSpokenToInItsOwnVersion() throws Exception {
    engine.close();
    engine = new FakeEngine(dir.resolve("older.sock"), "1.45", "1.24");
    engine.add("worker-1", "worker", true);
    var scaler = new DockerScaler(DockerHost.unix(dir.resolve("older.sock")), "gitfaas", "worker");
    scaler.scaleTo(2);
    assertThat(scaler.current()).isEqualTo(2);
    assertThat(engine.paths)
        .filteredOn(p -> !p.equals("/_ping"))
        .allMatch(p -> p.startsWith("/v1.45/"));
  }

  @Test
  void anEngineTooOldIsRefusedWithItsVersion() throws Exception {
    engine.close();
    engine = new FakeEngine(dir.resolve("old.sock"), "1.40", "1.12");
    var scaler = new DockerScaler(DockerHost.unix(dir.resolve("old.sock")), "gitfaas", "worker");
    assertThatThrownBy(scaler::current)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("speaks API 1.40")
        .hasMessageContaining("1.41 or newer");
  }

  @Test
  void aSocketProxyOnTcpServesTheSameCalls() throws Exception {
    try (var proxied = FakeEngine.onTcp("1.52", "1.44")) {
      proxied.add("worker-1", "worker", true);
      int port = ((InetSocketAddress) proxied.server.getLocalAddress()).getPort();
      var scaler =
          new DockerScaler(DockerHost.parse("tcp://127.0.0.1:" + port), "gitfaas", "worker");
      assertThat(scaler.current()).isEqualTo(1);
      scaler.scaleTo(2);
      assertThat(proxied.running("worker")).hasSize(2);
    }
    assertThat(DockerHost.parse("unix:///var/run/docker.sock").socket())
        .isEqualTo(Path.of("/var/run/docker.sock"));
    assertThat(DockerHost.parse("tcp://docker-proxy:2375").toString())
        .isEqualTo("tcp://docker-proxy:2375");
    assertThatThrownBy(() -> DockerHost.parse("http://docker:2375"))
        .hasMessageContaining("unix:///path/to/docker.sock or tcp://host:port");
  }

  @Test
  void theEnginesOwnErrorsReachTheLog() throws Exception {
    var docker =
        new DockerEngine(DockerHost.unix(dir.resolve("docker.sock")), Duration.ofSeconds(10));
    var r = docker.send("GET", "/containers/nope/json", null);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body()).contains("No such container: nope");
    // What an engine 29 answers the version this scaler used to pin.
    var pinned = new EngineHttp(DockerHost.unix(dir.resolve("docker.sock")));
    var old = pinned.send("GET", "/v1.43/containers/json", null, Duration.ofSeconds(10));
    assertThat(old.status()).isEqualTo(400);
    assertThat(old.body()).contains("client version 1.43 is too old");
  }

  @Test
  void anEngineThatNeverAnswersFailsTheCallAtItsDeadline() throws Exception {
    Path socket = dir.resolve("silent.sock");
    try (var silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      silent.bind(UnixDomainSocketAddress.of(socket));
      var docker = new DockerEngine(DockerHost.unix(socket), Duration.ofMillis(300));
      // The connection is accepted by the kernel's backlog; nothing ever answers.
      assertThatThrownBy(docker::version)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("had no answer within");
    }
  }

  @Test
  void responsesAreReadWhateverTheirFraming() throws Exception {
    var chunked =
        EngineHttp.read(
            stream(
                "HTTP/1.1 200 OK\r\nApi-Version: 1.52\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"
                    + "5;ext=1\r\n[{\"a\"\r\n4\r\n:1}]\r\n0\r\nX-Trailer: y\r\n\r\n"));
    assertThat(chunked.body()).isEqualTo("[{\"a\":1}]");
    assertThat(chunked.header("api-version")).isEqualTo("1.52");
    var noContent = EngineHttp.read(stream("HTTP/1.1 204 No Content\r\nServer: Docker\r\n\r\n"));
    assertThat(noContent.body()).isEmpty();
    var untilClose = EngineHttp.read(stream("HTTP/1.1 200 OK\r\n\r\nOK"));
    assertThat(untilClose.body()).isEqualTo("OK");
    assertThatThrownBy(
            () -> EngineHttp.read(stream("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")))
        .hasMessageContaining("ended after 5 of 10 bytes");
    assertThatThrownBy(
            () -> EngineHttp.read(stream("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n")))
        .hasMessageContaining("more than");
    assertThatThrownBy(() -> EngineHttp.read(stream("SSH-2.0-OpenSSH\r\n")))
        .hasMessageContaining("not an HTTP response");
    assertThatThrownBy(
            () ->
                EngineHttp.read(
                    stream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")))
        .hasMessageContaining("bad chunk size");
  }

  static InputStream stream(String raw) {
    return new java.io.ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII));
  }

  /** Just enough of the Docker Engine API, on a Unix socket. */
  static final class FakeEngine implements AutoCloseable {
    final Map<String, ObjectNode> containers = new LinkedHashMap<>();
    final Map<String, Boolean> runningById = new LinkedHashMap<>();
    final List<JsonNode> creates = new ArrayList<>();
    final List<String> stops = new ArrayList<>();
    final List<String> paths = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicLong clock = new AtomicLong(1000);
    final ServerSocketChannel server;
    final String api;
    final String minApi;

    FakeEngine(Path socket, String api, String minApi) throws IOException {
      this(StandardProtocolFamily.UNIX, UnixDomainSocketAddress.of(socket), api, minApi);
    }

    /** On a loopback TCP port, as a socket proxy in front of the engine listens. */
    static FakeEngine onTcp(String api, String minApi) throws IOException {
      return new FakeEngine(
          StandardProtocolFamily.INET, new InetSocketAddress("127.0.0.1", 0), api, minApi);
    }

    FakeEngine(StandardProtocolFamily family, SocketAddress address, String api, String minApi)
        throws IOException {
      this.api = api;
      this.minApi = minApi;
      server = ServerSocketChannel.open(family);
      server.bind(address);
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
          paths.add(request[1].split("\\?")[0]);
          String[] answer = handle(request[0], request[1], body);
          Channels.newOutputStream(ch).write(frame(Integer.parseInt(answer[0]), answer[1]));
        } catch (IOException e) {
          return;
        }
      }
    }

    /** The response as Go's net/http frames it: bodies over 2 KiB chunked, 204 without one. */
    byte[] frame(int status, String body) {
      byte[] payload = body.getBytes(StandardCharsets.UTF_8);
      StringBuilder head =
          new StringBuilder("HTTP/1.1 " + status + " " + (status < 300 ? "OK" : "Error") + "\r\n")
              .append("Api-Version: ")
              .append(api)
              .append("\r\nDocker-Experimental: false\r\nOstype: linux\r\n")
              .append("Server: Docker/29.0.0 (linux)\r\n");
      var out = new ByteArrayOutputStream();
      if (status == 204) {
        out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
      }
      head.append(
          body.equals("OK")
              ? "Content-Type: text/plain; charset=utf-8\r\n"
              : "Content-Type: application/json\r\n");
      if (payload.length <= 2048) {
        head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
      } else {
        head.append("Transfer-Encoding: chunked\r\n\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        for (int off = 0; off < payload.length; off += 2048) {
          int n = Math.min(2048, payload.length - off);
          out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(payload, off, n);
          out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      return out.toByteArray();
    }

    synchronized String[] handle(String method, String target, String body) throws IOException {
      String path = target.split("\\?")[0];
      if (path.equals("/_ping")) {
        return new String[] {"200", "OK"};
      }
      var versioned = java.util.regex.Pattern.compile("/v(\\d+\\.\\d+)(/.*)").matcher(path);
      if (versioned.matches()) {
        String asked = versioned.group(1);
        if (DockerEngine.compare(asked, minApi) < 0) {
          return new String[] {
            "400",
            "{\"message\":\"client version "
                + asked
                + " is too old. Minimum supported API version is "
                + minApi
                + ", please upgrade your client to a newer version\"}"
          };
        }
        if (DockerEngine.compare(asked, api) > 0) {
          return new String[] {
            "400",
            "{\"message\":\"client version "
                + asked
                + " is too new. Maximum supported API version is "
                + api
                + "\"}"
          };
        }
        path = versioned.group(2);
      }
      if (method.equals("GET") && path.equals("/containers/json")) {
        String filters = URLDecoder.decode(target.split("filters=")[1], StandardCharsets.UTF_8);
        String service = Json.MAPPER.readTree(filters).get("label").get(1).asText().split("=")[1];
        var list = Json.MAPPER.createArrayNode();
        running(service).forEach(id -> list.add(containers.get(id)));
        return new String[] {"200", list.toString()};
      }
      String[] parts = path.split("/");
      if (parts.length > 2
          && !containers.containsKey(parts[2])
          && !path.equals("/containers/create")) {
        return new String[] {"404", "{\"message\":\"No such container: " + parts[2] + "\"}"};
      }
      if (method.equals("GET") && path.endsWith("/json")) {
        ObjectNode c = containers.get(parts[2]);
        ObjectNode inspect = Json.MAPPER.createObjectNode();
        ObjectNode config = inspect.putObject("Config");
        config.put("Image", "gitfaas-worker");
        config.putArray("Env").add("NATS_URL=nats://nats:4222");
        config.set("Labels", c.get("Labels"));
        config.putObject("Healthcheck").putArray("Test").add("CMD").add("true");
        inspect.putObject("HostConfig").putArray("SecurityOpt").add("seccomp=unconfined");
        inspect.putObject("NetworkSettings").putObject("Networks").putObject("gitfaas_default");
        // An engine's inspect runs to several KiB: this one is sent chunked, as a real one is.
        inspect.put("LogPath", "/var/lib/docker/containers/" + "0".repeat(4096));
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
