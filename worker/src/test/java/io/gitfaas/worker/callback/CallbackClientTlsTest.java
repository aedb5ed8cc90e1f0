package io.gitfaas.worker.callback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.gitfaas.config.Settings.GitSettings;
import io.gitfaas.git.GitUrlPolicy;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection goes to an address the policy checked, and TLS still checks the certificate
 * against the URL's name: a receiver with a certificate for another name is not sent the callback.
 */
class CallbackClientTlsTest {
  @TempDir Path dir;
  HttpsServer receiver;
  SSLContext trusting;
  int received;

  @BeforeEach
  void start() throws Exception {
    Path store = dir.resolve("receiver.p12");
    // A certificate for "receiver.test" only, made with the JDK's own keytool.
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "secret",
                "-alias",
                "receiver",
                "-keyalg",
                "EC",
                "-dname",
                "CN=receiver.test",
                "-ext",
                "SAN=dns:receiver.test",
                "-validity",
                "2")
            .redirectErrorStream(true)
            .start();
    assertThat(keytool.waitFor()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (var in = new FileInputStream(store.toFile())) {
      keys.load(in, "secret".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "secret".toCharArray());
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);
    receiver = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setHttpsConfigurator(new HttpsConfigurator(serverContext));
    receiver.createContext(
        "/hook",
        exchange -> {
          received++;
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    receiver.start();
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(keys);
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, tmf.getTrustManagers(), null);
  }

  @AfterEach
  void stop() {
    receiver.stop(0);
  }

  /** Every name resolves to the receiver's loopback address (allowed here, as in tests). */
  CallbackClient client() {
    GitUrlPolicy.Resolver local = host -> new InetAddress[] {InetAddress.getLoopbackAddress()};
    return new CallbackClient(
        new GitUrlPolicy(new GitSettings(Set.of(), false, true, 1), local),
        trusting.getSocketFactory());
  }

  String url(String host) {
    return "https://" + host + ":" + receiver.getAddress().getPort() + "/hook";
  }

  @Test
  void theCertificateIsCheckedAgainstTheUrlsName() throws Exception {
    assertThat(client().post(url("receiver.test"), Map.of(), "{}".getBytes())).isEqualTo(200);
    assertThat(received).isEqualTo(1);

    for (String other : List.of("impostor.test", "127.0.0.1")) {
      assertThatThrownBy(() -> client().post(url(other), Map.of(), "{}".getBytes()))
          .as(other)
          .isInstanceOf(SSLHandshakeException.class);
    }
    assertThat(received).isEqualTo(1);
  }
}
