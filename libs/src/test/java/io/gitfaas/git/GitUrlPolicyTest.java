package io.gitfaas.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.config.Settings.GitSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GitUrlPolicyTest {
  /** A resolver with fixed answers, so the tests need no DNS. */
  static InetAddress[] resolve(String host) throws UnknownHostException {
    Map<String, String> table =
        Map.of(
            "github.com", "140.82.121.3",
            "evil.example", "127.0.0.1",
            "internal.example", "10.1.2.3",
            "metadata.example", "169.254.169.254",
            "cgnat.example", "100.64.0.1",
            "v6local.example", "fd00::1");
    String ip = table.get(host);
    if (ip == null) {
      if (host.matches("[0-9.:a-f]+")) {
        return new InetAddress[] {InetAddress.getByName(host)};
      }
      throw new UnknownHostException(host);
    }
    return new InetAddress[] {InetAddress.getByName(ip)};
  }

  static GitUrlPolicy policy(Set<String> hosts, boolean http, boolean privateHosts) {
    return new GitUrlPolicy(
        new GitSettings(hosts, http, privateHosts, 1 << 20), GitUrlPolicyTest::resolve);
  }

  final GitUrlPolicy strict = policy(Set.of(), false, false);

  @Test
  void publicHttpsIsAllowed() throws Exception {
    assertThat(strict.check("https://github.com/golang/example.git").getHost())
        .isEqualTo("github.com");
  }

  @Test
  void otherSchemesAndShapesAreRefused() {
    for (String url :
        new String[] {
          "http://github.com/a/b",
          "file:///etc/passwd",
          "ssh://git@github.com/a/b",
          "git://github.com/a/b",
          "git@github.com:a/b.git",
          "ext::sh -c touch% /tmp/pwned",
          "-uhttps://github.com/a/b",
          "https://user:token@github.com/a/b",
          "https://github.com/a b",
          "https://github.com/a\nb",
          "https:///a/b",
          "",
          "https://" + "a".repeat(2100)
        }) {
      assertThatThrownBy(() -> strict.check(url)).as(url).isInstanceOf(RejectedUrlException.class);
    }
  }

  @Test
  void hostsThatAreOrResolveToNonPublicAddressesAreRefused() {
    for (String url :
        new String[] {
          "https://127.0.0.1/a",
          "https://[::1]/a",
          "https://evil.example/a",
          "https://internal.example/a",
          "https://metadata.example/a",
          "https://cgnat.example/a",
          "https://v6local.example/a",
          "https://0.0.0.0/a",
          "https://192.168.1.1/a",
          "https://172.16.0.1/a",
          "https://[::ffff:127.0.0.1]/a"
        }) {
      assertThatThrownBy(() -> strict.check(url))
          .as(url)
          .isInstanceOf(RejectedUrlException.class)
          .hasMessageContaining("loopback, private or link-local");
    }
    assertThatThrownBy(() -> strict.check("https://nowhere.invalid/a"))
        .hasMessageContaining("does not resolve");
  }

  @Test
  void switchesOpenWhatTestsAndDemosNeed() throws Exception {
    GitUrlPolicy open = policy(Set.of(), true, true);
    assertThat(open.check("http://127.0.0.1:8080/repo.git").getPort()).isEqualTo(8080);
  }

  @Test
  void allowedHostsRestrictToTheList() throws Exception {
    GitUrlPolicy only = policy(Set.of("github.com"), false, false);
    only.check("https://GitHub.com/a/b");
    assertThatThrownBy(() -> only.check("https://gitlab.com/a/b"))
        .hasMessageContaining("not in the allowed hosts");
  }
}
