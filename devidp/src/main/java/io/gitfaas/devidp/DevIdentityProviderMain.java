package io.gitfaas.devidp;

import io.gitfaas.config.Env;
import io.gitfaas.config.SettingsException;
import java.net.InetAddress;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

/**
 * The local stack's identity provider: a real OpenID Connect server (navikt's mock-oauth2-server)
 * whose login form signs in any user name. The name typed is the token's subject; sign in with an
 * e-mail address. Development and tests only: it checks no password.
 */
public final class DevIdentityProviderMain {
  /**
   * Every login is a verified address, as at Google: the frontend accepts no other. The name typed
   * in the form stays the token's subject.
   */
  static final String CONFIG =
      """
      {"interactiveLogin": true,
       "tokenCallbacks": [{"issuerId": "default", "tokenExpiry": 3600,
         "requestMappings": [{"requestParam": "grant_type", "match": "*",
                              "claims": {"email_verified": true}}]}]}
      """;

  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 4190;

  private DevIdentityProviderMain() {}

  public static void main(String[] args) throws Exception {
    Env env = new Env(System.getenv());
    String host = env.string("DEV_IDP_HOST", DEFAULT_HOST);
    int port = env.integer("DEV_IDP_PORT", DEFAULT_PORT, 1, 65535);
    try {
      env.check();
    } catch (SettingsException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    MockOAuth2Server server = start(host, port);
    System.out.println("dev identity provider: " + server.issuerUrl("default"));
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "shutdown"));
    Thread.currentThread().join();
  }

  public static MockOAuth2Server start(String host, int port) throws Exception {
    MockOAuth2Server server = new MockOAuth2Server(OAuth2Config.Companion.fromJson(CONFIG));
    server.start(InetAddress.getByName(host), port);
    return server;
  }
}
