package io.gitfaas.observer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Where the Docker Engine API answers, written as Docker's own DOCKER_HOST: {@code
 * unix:///var/run/docker.sock}, or {@code tcp://host:port} for a socket proxy that lets through
 * only the calls the observer makes (plain HTTP: on the compose network only, never published).
 */
public record DockerHost(Path socket, String host, int port) {
  static DockerHost unix(Path socket) {
    return new DockerHost(socket, null, 0);
  }

  /** Parses a DOCKER_HOST value; a bare path is a Unix socket. */
  static DockerHost parse(String value) {
    if (value.startsWith("/")) {
      return unix(Path.of(value));
    }
    URI uri = URI.create(value);
    if ("unix".equals(uri.getScheme()) && uri.getPath() != null && !uri.getPath().isEmpty()) {
      return unix(Path.of(uri.getPath()));
    }
    if ("tcp".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
      return new DockerHost(null, uri.getHost(), uri.getPort());
    }
    throw new IllegalArgumentException(
        "DOCKER_HOST must be unix:///path/to/docker.sock or tcp://host:port, not " + value);
  }

  StandardProtocolFamily family() {
    return socket != null ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET;
  }

  /** The address to connect to, its name resolved anew each time. */
  SocketAddress address() {
    return socket != null ? UnixDomainSocketAddress.of(socket) : new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return socket != null ? "unix://" + socket : "tcp://" + host + ":" + port;
  }
}
