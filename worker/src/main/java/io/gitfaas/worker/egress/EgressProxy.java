package io.gitfaas.worker.egress;

import io.gitfaas.git.GitUrlPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way out of a dependency download step: an HTTP CONNECT proxy on a Unix socket that the
 * sandbox sees, which tunnels to the allowed registries (host:port) and nothing else, and never to
 * a loopback, private or link-local address. Inside the sandbox there is no network but a bridge
 * from 127.0.0.1:3128 to this socket.
 */
public final class EgressProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EgressProxy.class);
  private static final Pattern CONNECT =
      Pattern.compile("CONNECT ([^\\s:]+):(\\d{1,5}) HTTP/1\\.[01]");
  private static final int MAX_HEADER_BYTES = 8192;

  /** The registries the runtimes download from. */
  public static final Set<String> DEFAULT_ALLOWED =
      Set.of(
          "proxy.golang.org:443",
          "sum.golang.org:443",
          "pypi.org:443",
          "files.pythonhosted.org:443",
          "registry.npmjs.org:443");

  private final Path socket;
  private final Set<String> allowed;
  private final boolean allowPrivate;
  private final ServerSocketChannel server;
  private final Thread acceptor;

  /**
   * @param allowPrivate lets tunnels reach non-public addresses; only tests use it
   */
  public EgressProxy(Path socket, Set<String> allowed, boolean allowPrivate) throws IOException {
    this.socket = socket;
    this.allowed = Set.copyOf(allowed);
    this.allowPrivate = allowPrivate;
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = new Thread(this::acceptLoop, "egress-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public Path socket() {
    return socket;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        Thread t = new Thread(() -> handle(client), "egress-tunnel");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.warn("egress proxy accept failed: {}", e.toString());
        }
      }
    }
  }

  private void handle(SocketChannel client) {
    try (client) {
      InputStream in = Channels.newInputStream(client);
      String request = readHeader(in);
      Matcher m = CONNECT.matcher(request.lines().findFirst().orElse(""));
      if (!m.matches()) {
        refuse(client, 405, "only CONNECT to an allowed registry");
        return;
      }
      String host = m.group(1).toLowerCase(Locale.ROOT);
      int port = Integer.parseInt(m.group(2));
      if (!allowed.contains(host + ":" + port)) {
        LOG.info("egress refused: {}:{} is not an allowed registry", host, port);
        refuse(client, 403, host + ":" + port + " is not an allowed registry");
        return;
      }
      InetAddress address = InetAddress.getByName(host);
      if (!allowPrivate && GitUrlPolicy.isNonPublic(address)) {
        refuse(client, 403, host + " resolves to a non-public address");
        return;
      }
      try (SocketChannel upstream = SocketChannel.open()) {
        upstream.socket().connect(new InetSocketAddress(address, port), 10_000);
        write(client, "HTTP/1.1 200 Connection established\r\n\r\n");
        // Channels, not streams: a blocked read must not hold the lock a write needs.
        Thread back =
            new Thread(
                () -> {
                  pump(upstream, client);
                  shutdownOutput(client); // the registry is done: so is the client's side
                },
                "egress-downstream");
        back.setDaemon(true);
        back.start();
        pump(client, upstream);
        shutdownOutput(upstream);
        back.join(60_000);
      }
    } catch (IOException e) {
      LOG.debug("egress tunnel ended: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    try {
      while (from.read(buffer) != -1) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      // one side closed: the tunnel is over
    }
  }

  private static void shutdownOutput(SocketChannel channel) {
    try {
      channel.shutdownOutput();
    } catch (IOException e) {
      // already closed
    }
  }

  private static void write(SocketChannel channel, String text) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static String readHeader(InputStream in) throws IOException {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b == -1 || header.size() > MAX_HEADER_BYTES) {
        throw new IOException("incomplete proxy request");
      }
      header.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return header.toString(StandardCharsets.US_ASCII);
  }

  private static void refuse(SocketChannel client, int status, String why) throws IOException {
    write(
        client,
        "HTTP/1.1 "
            + status
            + " Refused\r\nContent-Length: "
            + why.length()
            + "\r\nConnection: close\r\n\r\n"
            + why);
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(socket);
  }
}
