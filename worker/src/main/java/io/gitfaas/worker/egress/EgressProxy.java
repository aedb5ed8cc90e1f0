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
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
          "registry.npmjs.org:443",
          "repo.maven.apache.org:443",
          "index.crates.io:443",
          "static.crates.io:443");

  /** Tunnels open at once; a download step needs a handful, a flood gets the door closed. */
  public static final int MAX_TUNNELS = 32;

  /** How long a client may take to send its CONNECT request. */
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(10);

  /** How long a tunnel may carry nothing before it is closed. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final Path socket;
  private final Set<String> allowed;
  private final boolean allowPrivate;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private final Semaphore tunnels;
  private final Duration headerTimeout;
  private final Duration idleTimeout;
  // Two threads a tunnel (one each way), never more: a flood of connections costs no threads.
  private final ExecutorService pumps;
  private final ScheduledExecutorService timers;
  private final Set<Tunnel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param allowPrivate lets tunnels reach non-public addresses; only tests use it
   */
  public EgressProxy(Path socket, Set<String> allowed, boolean allowPrivate) throws IOException {
    this(socket, allowed, allowPrivate, MAX_TUNNELS, HEADER_TIMEOUT, IDLE_TIMEOUT);
  }

  EgressProxy(
      Path socket,
      Set<String> allowed,
      boolean allowPrivate,
      int maxTunnels,
      Duration headerTimeout,
      Duration idleTimeout)
      throws IOException {
    this.socket = socket;
    this.allowed = Set.copyOf(allowed);
    this.allowPrivate = allowPrivate;
    this.tunnels = new Semaphore(maxTunnels);
    this.headerTimeout = headerTimeout;
    this.idleTimeout = idleTimeout;
    this.pumps = Executors.newFixedThreadPool(2 * maxTunnels, daemon("egress-tunnel"));
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("egress-timer"));
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    long sweep = Math.max(100, idleTimeout.toMillis() / 4);
    timers.scheduleAtFixedRate(this::closeIdle, sweep, sweep, TimeUnit.MILLISECONDS);
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
        if (!tunnels.tryAcquire()) {
          LOG.info("egress refused: {} tunnels are open already", open.size());
          closeQuietly(client);
          continue;
        }
        Tunnel tunnel = new Tunnel(client);
        open.add(tunnel);
        if (closed) {
          // closed while this one was being accepted: close() may not have seen it
          tunnel.close();
          open.remove(tunnel);
          tunnels.release();
          continue;
        }
        pumps.execute(
            () -> {
              try {
                handle(tunnel);
              } finally {
                tunnel.close();
                open.remove(tunnel);
                tunnels.release();
              }
            });
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.warn("egress proxy accept failed: {}", e.toString());
        }
      }
    }
  }

  /** One client's connection and, once allowed, its registry's. */
  private static final class Tunnel {
    final SocketChannel client;
    volatile SocketChannel upstream;
    volatile long lastActive = System.nanoTime();

    Tunnel(SocketChannel client) {
      this.client = client;
    }

    void close() {
      closeQuietly(client);
      if (upstream != null) {
        closeQuietly(upstream);
      }
    }
  }

  /** Tunnels (or clients still to send their request) that were quiet too long. */
  private void closeIdle() {
    long now = System.nanoTime();
    for (Tunnel t : open) {
      long quiet = now - t.lastActive;
      long allowed = (t.upstream == null ? headerTimeout : idleTimeout).toNanos();
      if (quiet > allowed) {
        t.close();
      }
    }
  }

  private void handle(Tunnel tunnel) {
    SocketChannel client = tunnel.client;
    try {
      InputStream in = Channels.newInputStream(client);
      String request = readHeader(in);
      tunnel.lastActive = System.nanoTime();
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
      SocketChannel upstream = SocketChannel.open();
      tunnel.upstream = upstream;
      upstream.socket().connect(new InetSocketAddress(address, port), 10_000);
      write(client, "HTTP/1.1 200 Connection established\r\n\r\n");
      // Channels, not streams: a blocked read must not hold the lock a write needs.
      Future<?> back =
          pumps.submit(
              () -> {
                pump(upstream, client, tunnel);
                shutdownOutput(client); // the registry is done: so is the client's side
              });
      pump(client, upstream, tunnel);
      shutdownOutput(upstream);
      back.get(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      LOG.debug("egress tunnel ended: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pump(SocketChannel from, SocketChannel to, Tunnel tunnel) {
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    try {
      while (from.read(buffer) != -1) {
        tunnel.lastActive = System.nanoTime();
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

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closed already
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    // Tunnels still queued for a thread never run, so each is closed here, not by its handler.
    pumps.shutdownNow();
    open.forEach(Tunnel::close);
    timers.shutdownNow();
    Files.deleteIfExists(socket);
  }
}
