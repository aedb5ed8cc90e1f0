package io.gitfaas.worker.callback;

import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.git.RejectedUrlException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One POST to a callback URL, made by hand so the policy holds where it matters: the host name is
 * looked up and every address checked when connecting, and the connection goes to a checked address
 * (a name that pointed at a public address when the task was created cannot point at the host's
 * network now). TLS still verifies the certificate against the name. No redirect is followed and no
 * more than the status line is read.
 */
final class CallbackClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_STATUS_LINE = 8192;

  private final GitUrlPolicy policy;
  private final SSLSocketFactory tls;

  CallbackClient(GitUrlPolicy policy) {
    this(policy, (SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  CallbackClient(GitUrlPolicy policy, SSLSocketFactory tls) {
    this.policy = policy.anyHost();
    this.tls = tls;
  }

  /** Posts {@code body} as JSON with the given headers; returns the receiver's status code. */
  int post(String url, Map<String, String> headers, byte[] body)
      throws IOException, RejectedUrlException {
    URI uri = policy.check(url);
    boolean https = uri.getScheme().equalsIgnoreCase("https");
    String host = uri.getHost();
    int port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
    IOException failed = null;
    for (InetAddress address : policy.addressesToConnect(host)) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(address, port), (int) CONNECT_TIMEOUT.toMillis());
      } catch (IOException e) {
        socket.close();
        failed = e;
        continue;
      }
      try (Socket open = https ? tls(socket, host, port) : socket) {
        open.setSoTimeout((int) READ_TIMEOUT.toMillis());
        return exchange(open, uri, host, port, headers, body);
      }
    }
    throw failed != null ? failed : new IOException("no address to connect to for " + host);
  }

  private Socket tls(Socket socket, String host, int port) throws IOException {
    SSLSocket ssl = (SSLSocket) tls.createSocket(socket, host, port, true);
    SSLParameters parameters = ssl.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    boolean literal = host.startsWith("[") || host.matches("[0-9.]+");
    if (!literal) { // SNI names a host, never an address
      parameters.setServerNames(List.of(new SNIHostName(host)));
    }
    ssl.setSSLParameters(parameters);
    ssl.startHandshake();
    return ssl;
  }

  private static int exchange(
      Socket socket, URI uri, String host, int port, Map<String, String> headers, byte[] body)
      throws IOException {
    String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      target += "?" + uri.getRawQuery();
    }
    StringBuilder request = new StringBuilder();
    request.append("POST ").append(target).append(" HTTP/1.1\r\n");
    request.append("Host: ").append(host);
    if (uri.getPort() != -1) {
      request.append(':').append(port);
    }
    request.append("\r\n");
    request.append("User-Agent: gitfaas-callbacks\r\n");
    request.append("Content-Type: application/json\r\n");
    request.append("Content-Length: ").append(body.length).append("\r\n");
    request.append("Connection: close\r\n");
    headers.forEach(
        (name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    request.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return status(socket.getInputStream());
  }

  /** The status code of the answer's first line. */
  private static int status(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0 || line.size() >= MAX_STATUS_LINE) {
        throw new IOException("the receiver sent no HTTP status line");
      }
      line.write(b);
    }
    String[] parts = line.toString(StandardCharsets.US_ASCII).trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("the receiver sent no HTTP status line");
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("the receiver sent no HTTP status code");
    }
  }
}
