package io.gitfaas.observer;

import io.gitfaas.concurrent.DaemonThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * HTTP/1.1 to the Docker engine (its Unix socket, or a socket proxy over TCP), one request per
 * connection, as the Docker Engine API speaks it: bodies with a length, chunked, or up to the
 * close. Every exchange has a deadline (the channel is closed when it passes, which ends a blocked
 * read) and a response is at most {@link #MAX_BODY}.
 */
final class EngineHttp {
  static final int MAX_BODY = 16 << 20;
  private static final int MAX_LINE = 64 << 10;
  private static final ScheduledExecutorService DEADLINES =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("unix-http-deadlines"));

  private final DockerHost engine;

  EngineHttp(DockerHost engine) {
    this.engine = engine;
  }

  /** Header names in lower case. */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  Response send(String method, String path, String jsonBody, Duration deadline) throws IOException {
    byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
    try (SocketChannel ch = SocketChannel.open(engine.family())) {
      AtomicBoolean expired = new AtomicBoolean();
      ScheduledFuture<?> timer =
          DEADLINES.schedule(
              () -> {
                expired.set(true);
                try {
                  ch.close();
                } catch (IOException e) {
                  // closed already
                }
              },
              deadline.toMillis(),
              TimeUnit.MILLISECONDS);
      try {
        ch.connect(engine.address());
        String head =
            method
                + " "
                + path
                + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: gitfaas-observer\r\n"
                + "Connection: close\r\n"
                + (jsonBody == null ? "" : "Content-Type: application/json\r\n")
                + "Content-Length: "
                + body.length
                + "\r\n\r\n";
        var out = Channels.newOutputStream(ch);
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return read(Channels.newInputStream(ch));
      } catch (IOException e) {
        if (expired.get()) {
          throw new IOException(
              method + " " + path + " had no answer within " + deadline.toSeconds() + " s", e);
        }
        throw e;
      } finally {
        timer.cancel(false);
      }
    }
  }

  static Response read(InputStream in) throws IOException {
    String statusLine = line(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
      throw new IOException("not an HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(
            h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String encoding = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
    String length = headers.get("content-length");
    if (status == 204 || status == 304 || status / 100 == 1) {
      // no body
    } else if (encoding.contains("chunked")) {
      for (long size = chunkSize(in); size > 0; size = chunkSize(in)) {
        if (body.size() + size > MAX_BODY) {
          throw new IOException("response larger than " + MAX_BODY + " bytes");
        }
        byte[] chunk = in.readNBytes((int) size);
        if (chunk.length < size) {
          throw new IOException("response ended inside a chunk");
        }
        body.write(chunk);
        line(in); // the CRLF after the chunk
      }
      for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
        // trailers: none that matter here
      }
    } else if (length != null) {
      long n;
      try {
        n = Long.parseLong(length);
      } catch (NumberFormatException e) {
        throw new IOException("bad Content-Length: " + length);
      }
      if (n < 0 || n > MAX_BODY) {
        throw new IOException("response of " + n + " bytes, more than " + MAX_BODY);
      }
      byte[] all = in.readNBytes((int) n);
      if (all.length < n) {
        throw new IOException("response ended after " + all.length + " of " + n + " bytes");
      }
      body.write(all);
    } else {
      byte[] all = in.readNBytes(MAX_BODY + 1);
      if (all.length > MAX_BODY) {
        throw new IOException("response larger than " + MAX_BODY + " bytes");
      }
      body.write(all);
    }
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  private static long chunkSize(InputStream in) throws IOException {
    String line = line(in);
    String hex = line.split(";", 2)[0].trim();
    try {
      long size = Long.parseLong(hex, 16);
      if (size < 0) {
        throw new NumberFormatException();
      }
      return size;
    } catch (NumberFormatException e) {
      throw new IOException("bad chunk size: " + line);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c = in.read();
    if (c == -1) {
      throw new IOException("the connection closed before the response ended");
    }
    for (; c != -1 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        if (line.size() >= MAX_LINE) {
          throw new IOException("header line longer than " + MAX_LINE + " bytes");
        }
        line.write(c);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }
}
