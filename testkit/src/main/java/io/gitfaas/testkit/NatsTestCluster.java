package io.gitfaas.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A real nats-server cluster with JetStream on loopback: nodes can be killed and restarted. */
public final class NatsTestCluster implements AutoCloseable {
  private final int[] clientPorts;
  private final int[] clusterPorts;
  private final Path[] storeDirs;
  private final Process[] nodes;

  public NatsTestCluster(int size) {
    clientPorts = new int[size];
    clusterPorts = new int[size];
    storeDirs = new Path[size];
    nodes = new Process[size];
    for (int i = 0; i < size; i++) {
      clientPorts[i] = FreePort.pick();
      clusterPorts[i] = FreePort.pick();
      try {
        storeDirs[i] = Files.createTempDirectory("gitfaas-nats-node" + i + "-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    for (int i = 0; i < size; i++) {
      start(i);
    }
  }

  /** Starts (again) node {@code i} with its own store. */
  public void start(int i) {
    String routes =
        java.util.Arrays.stream(clusterPorts)
            .mapToObj(p -> "nats://127.0.0.1:" + p)
            .collect(Collectors.joining(","));
    List<String> cmd = new ArrayList<>();
    cmd.add(Binaries.find("nats-server").toString());
    cmd.addAll(
        List.of(
            "-a",
            "127.0.0.1",
            "-p",
            Integer.toString(clientPorts[i]),
            "-n",
            "node" + i,
            "--cluster_name",
            "gitfaas-test",
            "--cluster",
            "nats://127.0.0.1:" + clusterPorts[i],
            "--routes",
            routes,
            "-js",
            "-sd",
            storeDirs[i].toString()));
    try {
      nodes[i] =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(storeDirs[i].resolve("nats.log").toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Processes.awaitPort(nodes[i], clientPorts[i], Duration.ofSeconds(20), "nats-server node" + i);
  }

  public void kill(int i) {
    nodes[i].destroyForcibly();
    try {
      nodes[i].waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** All nodes, for a client's server list. */
  public String url() {
    return java.util.Arrays.stream(clientPorts)
        .mapToObj(p -> "nats://127.0.0.1:" + p)
        .collect(Collectors.joining(","));
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.length; i++) {
      Processes.stop(nodes[i]);
      TempDirs.deleteQuietly(storeDirs[i]);
    }
  }
}
