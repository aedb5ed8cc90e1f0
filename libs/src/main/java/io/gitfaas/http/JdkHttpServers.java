package io.gitfaas.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The JDK's built-in HTTP server, made the one way every server of the project needs it: with
 * {@code TCP_NODELAY} on its connections.
 *
 * <p>Without it, a response written in more than one piece (headers, then a body streamed from a
 * process) waits on a kept-alive connection for the client's delayed acknowledgement: about 40 ms
 * per response on Linux (Nagle's algorithm meeting delayed ACKs). The JDK reads its switch, the
 * system property {@code sun.net.httpserver.nodelay}, once, when the first server of the process is
 * made; so every server is made here.
 */
public final class JdkHttpServers {
  private static final String NO_DELAY = "sun.net.httpserver.nodelay";

  private JdkHttpServers() {}

  /** A server bound to {@code address}, not started yet. */
  public static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
    if (System.getProperty(NO_DELAY) == null) {
      System.setProperty(NO_DELAY, "true");
    }
    return HttpServer.create(address, backlog);
  }
}
