package io.gitfaas.worker.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.worker.limits.Cgroups;
import io.gitfaas.worker.sandbox.Sandbox;
import io.gitfaas.worker.sandbox.SandboxCommand;
import io.gitfaas.worker.sandbox.SandboxResult;
import io.gitfaas.worker.sandbox.SandboxSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download step's only way out, through real bubblewrap: the egress proxy reaches the allowed
 * registry and nothing else, and the host's loopback is out of reach.
 */
class EgressIntegrationTest {
  @TempDir Path dir;
  ServerSocket registry;
  ServerSocket other;
  Thread server;

  /** A stand-in registry on the host's loopback that greets every connection. */
  @BeforeEach
  void startRegistry() throws IOException {
    registry = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server =
        new Thread(
            () -> {
              while (!registry.isClosed()) {
                try (Socket s = registry.accept()) {
                  s.getOutputStream()
                      .write("hello-from-registry\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  return;
                }
              }
            });
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    registry.close();
    other.close();
    server.join(5_000);
  }

  String runStep(EgressProxy proxy, String script) throws Exception {
    Path identity = dir.resolve("identity");
    SandboxCommand.writeIdentity(identity);
    Sandbox sandbox =
        new Sandbox(
            new SandboxCommand(Path.of("/usr/bin/bwrap"), identity),
            Path.of("/usr/bin/prlimit"),
            Cgroups.NONE);
    SandboxSpec spec =
        new SandboxSpec(
            List.of("/usr/bin/python3", "-c", script),
            "/",
            Map.of(),
            Map.of(proxy.socket(), SandboxCommand.EGRESS_SOCKET),
            Map.of("PATH", "/usr/bin:/bin"),
            true,
            Duration.ofSeconds(30),
            1 << 20,
            new SandboxSpec.Limits(512L << 20, 64, 64L << 20, List.of()));
    SandboxResult result = sandbox.run(spec, dir.resolve("out"), dir.resolve("err"));
    assertThat(result.exitCode()).as(Files.readString(dir.resolve("err"))).isZero();
    return Files.readString(dir.resolve("out"));
  }

  static final String PROBE =
      """
      import os, socket
      def via_proxy(request):
          s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
          s.sendall(request.encode())
          data = b""
          while True:
              chunk = s.recv(4096)
              if not chunk:
                  break
              data += chunk
          return data.decode(errors="replace")
      def connect(target):
          return via_proxy("CONNECT %s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n" % (target, target))
      def direct(port):
          try:
              socket.create_connection(("127.0.0.1", port), timeout=3)
              return "open"
          except OSError:
              return "closed"
      r = connect("%REGISTRY%")
      print("registry:" + ("ok" if " 200 " in r and "hello-from-registry" in r else r))
      r = connect("%OTHER%")
      print("other:" + ("refused" if " 403 " in r else r))
      r = via_proxy("GET http://%REGISTRY%/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
      print("plain:" + ("refused" if " 405 " in r else r))
      print("direct:" + direct(%REGISTRY_PORT%))
      print("proxy-env:" + os.environ["HTTPS_PROXY"])
      """;

  String probe(String registryTarget) {
    return PROBE
        .replace("%REGISTRY%", registryTarget)
        .replace("%OTHER%", "127.0.0.1:" + other.getLocalPort())
        .replace("%REGISTRY_PORT%", Integer.toString(registry.getLocalPort()));
  }

  @Test
  void onlyTheAllowedRegistryIsReachable() throws Exception {
    String target = "127.0.0.1:" + registry.getLocalPort();
    try (EgressProxy proxy = new EgressProxy(dir.resolve("egress.sock"), Set.of(target), true)) {
      assertThat(runStep(proxy, probe(target)))
          .isEqualTo(
              "registry:ok\nother:refused\nplain:refused\ndirect:closed\n"
                  + "proxy-env:http://127.0.0.1:3128\n");
    }
  }

  @Test
  void anAllowedNameThatResolvesToThisHostIsRefused() throws Exception {
    String target = "localhost:" + registry.getLocalPort();
    try (EgressProxy proxy = new EgressProxy(dir.resolve("egress.sock"), Set.of(target), false)) {
      String out = runStep(proxy, probe(target));
      assertThat(out).startsWith("registry:HTTP/1.1 403").contains("non-public address");
    }
  }

  /** Opens N connections to a Unix socket and holds them, saying when all are open. */
  static final String FLOOD =
      """
      import socket, sys, time
      held = []
      for _ in range(int(sys.argv[2])):
          s = socket.socket(socket.AF_UNIX)
          try:
              s.connect(sys.argv[1])
          except OSError:
              pass
          held.append(s)
      print("open", flush=True)
      time.sleep(30)
      """;

  @Test
  void aFloodOfIdleConnectionsCostsNoThreads() throws Exception {
    String target = "127.0.0.1:" + registry.getLocalPort();
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    try (EgressProxy proxy =
        new EgressProxy(
            dir.resolve("egress.sock"),
            Set.of(target),
            true,
            8,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5))) {
      int before = threads.getThreadCount();
      List<Process> floods = new java.util.ArrayList<>();
      // 20,000 connections from two processes (each may hold 10,000 descriptors).
      for (int i = 0; i < 2; i++) {
        floods.add(
            new ProcessBuilder("/usr/bin/python3", "-c", FLOOD, proxy.socket().toString(), "10000")
                .redirectErrorStream(true)
                .start());
      }
      int peak = before;
      try {
        for (Process p : floods) {
          var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
          assertThat(out.readLine()).isEqualTo("open");
          peak = Math.max(peak, threads.getThreadCount());
        }
        // The idle ones are closed at the header timeout, and the proxy still serves.
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> assertThat(runStep(proxy, probe(target))).startsWith("registry:ok"));
        peak = Math.max(peak, threads.getThreadCount());
      } finally {
        floods.forEach(Process::destroyForcibly);
      }
      // the pool, and the few threads the probe's own sandboxed run uses
      assertThat(peak - before).isLessThanOrEqualTo(2 * 8 + 8);
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void eachDownloadStepGetsADoorOfItsOwnThatClosesWithIt() throws Exception {
    EgressDoors doors = new EgressDoors(dir.resolve("doors"), Set.of("127.0.0.1:1"));
    EgressProxy first = doors.open();
    try (EgressProxy second = doors.open()) {
      assertThat(second.socket()).isNotEqualTo(first.socket());
    }
    var client =
        java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(first.socket()));
    first.close();
    // The tunnel a step left open ends with the step, and its socket is gone.
    assertThat(endOfStream(client)).isTrue();
    assertThat(first.socket()).doesNotExist();
  }

  /** Whether the other side closed (a reset counts: the door may close before it accepted). */
  static boolean endOfStream(java.nio.channels.SocketChannel client) {
    try {
      return client.read(java.nio.ByteBuffer.allocate(1)) == -1;
    } catch (java.io.IOException reset) {
      return true;
    }
  }
}
