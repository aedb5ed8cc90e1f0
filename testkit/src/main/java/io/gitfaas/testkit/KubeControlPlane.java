package io.gitfaas.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC, Pod Security admission,
 * service-account tokens), kube-controller-manager, kube-scheduler, and kwok, which plays the
 * kubelet of fake nodes so that scheduled pods become Running without containers. Built by
 * scripts/install.sh from the project's tools modules. Everything lives in one temporary directory
 * and stops with {@link #close()}, the API server before etcd.
 */
public final class KubeControlPlane implements AutoCloseable {
  private static final Duration START = Duration.ofSeconds(90);

  private final Path dir;
  private final String adminToken = "admin-" + UUID.randomUUID();
  private final int apiPort = FreePort.pick();
  private final List<Process> processes = new ArrayList<>();
  private final Path kubeconfig;

  public KubeControlPlane() {
    try {
      dir = Files.createTempDirectory("gitfaas-kube-");
      kubeconfig = dir.resolve("admin.kubeconfig");
      start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  private void start() throws IOException {
    KeyPair serviceAccounts;
    try {
      serviceAccounts = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
    Path saKey =
        pem(dir.resolve("sa.key"), "PRIVATE KEY", serviceAccounts.getPrivate().getEncoded());
    Path saPub = pem(dir.resolve("sa.pub"), "PUBLIC KEY", serviceAccounts.getPublic().getEncoded());
    Files.writeString(dir.resolve("tokens.csv"), adminToken + ",admin,admin,\"system:masters\"\n");

    int etcdPort = FreePort.pick();
    int peerPort = FreePort.pick();
    Process etcd =
        launch(
            "etcd",
            "--name=default",
            "--data-dir=" + dir.resolve("etcd"),
            "--listen-client-urls=http://127.0.0.1:" + etcdPort,
            "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
            "--listen-peer-urls=http://127.0.0.1:" + peerPort,
            "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
            "--initial-cluster=default=http://127.0.0.1:" + peerPort,
            "--log-level=warn");
    Processes.awaitPort(etcd, etcdPort, START, "etcd");

    Path pki = dir.resolve("pki");
    Process apiserver =
        launch(
            "kube-apiserver",
            "--etcd-servers=http://127.0.0.1:" + etcdPort,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--secure-port=" + apiPort,
            "--cert-dir=" + pki,
            "--token-auth-file=" + dir.resolve("tokens.csv"),
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file=" + saPub,
            "--service-account-signing-key-file=" + saKey,
            "--service-cluster-ip-range=10.96.0.0/16",
            // It advertises loopback, which the endpoint reconciler refuses to publish.
            "--endpoint-reconciler-type=none");
    Processes.awaitPort(apiserver, apiPort, START, "kube-apiserver");
    Path ca = pki.resolve("apiserver.crt");
    writeKubeconfig(kubeconfig, "admin", adminToken);
    awaitReady(ca);

    launch(
        "kube-controller-manager",
        "--kubeconfig=" + kubeconfig,
        "--leader-elect=false",
        "--secure-port=0",
        "--service-account-private-key-file=" + saKey,
        "--root-ca-file=" + ca,
        "--use-service-account-credentials=false");
    launch(
        "kube-scheduler", "--kubeconfig=" + kubeconfig, "--leader-elect=false", "--secure-port=0");
    launch(
        "kwok",
        "--kubeconfig=" + kubeconfig,
        "--config=" + Binaries.find("kwok").resolveSibling("kwok-stages.yaml"),
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--cidr=10.0.0.1/16",
        "--node-ip=10.0.0.1",
        "--server-address=127.0.0.1:" + FreePort.pick());
  }

  /** The API server's address. */
  public String server() {
    return "https://127.0.0.1:" + apiPort;
  }

  /** A kubeconfig with the cluster's administrator (system:masters). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The certificate clients verify the API server with. */
  public Path certificateAuthority() {
    return dir.resolve("pki").resolve("apiserver.crt");
  }

  /** A kubeconfig that signs in with {@code token} (a service account's, say) and nothing else. */
  public Path kubeconfigFor(String name, String token) throws IOException {
    return writeKubeconfig(dir.resolve(name + ".kubeconfig"), name, token);
  }

  private Path writeKubeconfig(Path file, String user, String token) throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: test, cluster: {server: "%s", certificate-authority: "%s"}}]
        users: [{name: %s, user: {token: "%s"}}]
        contexts: [{name: test, context: {cluster: test, user: %s}}]
        current-context: test
        """
            .formatted(server(), certificateAuthority(), user, token, user));
    return file;
  }

  /**
   * Adds a fake node kwok runs pods on: {@code cpus} CPUs, 8 GiB of memory a CPU, and the labels
   * given.
   */
  public void addNode(String name, int cpus, Map<String, String> labels) {
    StringBuilder extra = new StringBuilder();
    labels.forEach((k, v) -> extra.append(", \"").append(k).append("\": \"").append(v).append('"'));
    String node =
        """
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": "%s",
           "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
           "labels": {"type": "kwok", "kubernetes.io/hostname": "%s", "kubernetes.io/os": "linux"%s}},
         "status": {"allocatable": {"cpu": "%d", "memory": "%dGi", "pods": "110", "ephemeral-storage": "200Gi"},
                    "capacity": {"cpu": "%d", "memory": "%dGi", "pods": "110", "ephemeral-storage": "200Gi"}}}
        """
            .formatted(name, name, extra, cpus, 8 * cpus, cpus, 8 * cpus);
    kubectlWithInput(node, "apply", "-f", "-");
  }

  /** Runs the built kubectl as the administrator; its output, or an error with what it said. */
  public String kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /** As {@link #kubectl(String...)}, with {@code stdin} given to it. */
  public String kubectlWithInput(String stdin, String... args) {
    Result r = kubectlResult(kubeconfig, stdin, args);
    if (r.exit() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + ": " + r.err());
    }
    return r.out();
  }

  /** What a kubectl run printed and how it ended. */
  public record Result(int exit, String out, String err) {}

  /** Runs kubectl with the given kubeconfig and whatever it ends with. */
  public Result kubectlResult(Path config, String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Binaries.find("kubectl").toString());
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(dir, "kubectl-", ".out");
      Path err = Files.createTempFile(dir, "kubectl-", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(
                  stdin == null
                      ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
                      : ProcessBuilder.Redirect.PIPE);
      pb.environment().put("KUBECONFIG", config.toString());
      Process p = pb.start();
      if (stdin != null) {
        try (var in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not end");
      }
      Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The log a control-plane program wrote, for a failing test's message. */
  public String log(String program) {
    try {
      Path log = dir.resolve(program + ".log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private Process launch(String program, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Binaries.find(program).toString());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(program + ".log").toFile())
            .start();
    processes.add(p);
    return p;
  }

  /** Waits until the API server says it is ready, verifying its certificate. */
  private void awaitReady(Path ca) throws IOException {
    HttpClient client;
    try (var in = Files.newInputStream(ca)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca" + i++, cert);
      }
      TrustManagerFactory trustManagers =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, trustManagers.getTrustManagers(), null);
      client =
          HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(2)).build();
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
    long deadline = System.nanoTime() + START.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create(server() + "/readyz"))
                    .header("Authorization", "Bearer " + adminToken)
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    throw new IllegalStateException("kube-apiserver not ready in " + START + ": " + last);
  }

  private static Path pem(Path file, String type, byte[] der) throws IOException {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(
        file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    return file;
  }

  /** Stops everything, the API server before etcd (the reverse of starting), and removes it all. */
  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Processes.stop(processes.get(i));
    }
    if (dir != null) {
      TempDirs.deleteQuietly(dir);
    }
  }
}
