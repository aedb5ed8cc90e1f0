package io.gitfaas.git;

import io.gitfaas.config.Settings.GitSettings;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * Which repository URLs a task may name. The same rules apply to the URL a user submits and to
 * every URL the Git client is redirected to, so a public URL cannot bounce into the host's loopback
 * or private network.
 */
public final class GitUrlPolicy {
  public static final int MAX_URL_LENGTH = 2048;

  /** Resolves a host name; tests replace it to avoid DNS. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final Set<String> allowedHosts;
  private final boolean allowHttp;
  private final boolean allowPrivateHosts;
  private final Resolver resolver;

  /** Looks host names up on a bounded pool, each lookup with a deadline. */
  public GitUrlPolicy(GitSettings settings) {
    this(settings, new BoundedResolver());
  }

  public GitUrlPolicy(GitSettings settings, Resolver resolver) {
    this.allowedHosts = settings.allowedHosts();
    this.allowHttp = settings.allowHttp();
    this.allowPrivateHosts = settings.allowPrivateHosts();
    this.resolver = resolver;
  }

  /**
   * The same rules for URLs that are not repositories (callbacks): any host, when GIT_ALLOWED_HOSTS
   * lists the Git hosts.
   */
  public GitUrlPolicy anyHost() {
    return new GitUrlPolicy(new GitSettings(Set.of(), allowHttp, allowPrivateHosts, 0), resolver);
  }

  /**
   * The addresses to connect to for {@code host}, looked up now and each checked: a name that
   * resolved to a public address when its URL was checked may resolve to the host's own network
   * when it is used (DNS rebinding); the caller connects to one of these, not to the name.
   */
  public InetAddress[] addressesToConnect(String host) throws RejectedUrlException {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses = resolve(host, bare);
    if (!allowPrivateHosts) {
      check(host, addresses);
    }
    return addresses;
  }

  /** Returns the parsed URL when it is allowed, or says why not. */
  public URI check(String url) throws RejectedUrlException {
    URI uri = checkForm(url);
    if (!allowPrivateHosts) {
      checkAddresses(uri.getHost().toLowerCase(Locale.ROOT));
    }
    return uri;
  }

  /**
   * Everything {@link #check} checks but the host's addresses: for a caller that connects only
   * through {@link #addressesToConnect}, which looks them up and checks them at each connection.
   */
  public URI checkForm(String url) throws RejectedUrlException {
    if (url == null || url.isBlank()) {
      throw new RejectedUrlException("url is required");
    }
    if (url.length() > MAX_URL_LENGTH) {
      throw new RejectedUrlException("url is longer than " + MAX_URL_LENGTH + " characters");
    }
    if (url.startsWith("-")) {
      throw new RejectedUrlException("url must not start with '-'");
    }
    if (url.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
      throw new RejectedUrlException("url must not contain spaces or control characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new RejectedUrlException(
          "url is not a valid URL (scp-style 'user@host:path' is not supported; use https://)");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean schemeOk = scheme.equals("https") || (allowHttp && scheme.equals("http"));
    if (!schemeOk) {
      throw new RejectedUrlException(
          "url scheme must be https" + (allowHttp ? " or http" : "") + ", not '" + scheme + "'");
    }
    if (uri.getRawUserInfo() != null) {
      throw new RejectedUrlException("url must not contain credentials");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new RejectedUrlException("url has no host");
    }
    host = host.toLowerCase(Locale.ROOT);
    if (!allowedHosts.isEmpty() && !allowedHosts.contains(host)) {
      throw new RejectedUrlException("host '" + host + "' is not in the allowed hosts");
    }
    return uri;
  }

  private void checkAddresses(String host) throws RejectedUrlException {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    check(host, resolve(host, bare));
  }

  private InetAddress[] resolve(String host, String bare) throws RejectedUrlException {
    try {
      return resolver.resolve(bare);
    } catch (BoundedResolver.TooSlowException e) {
      throw new RejectedUrlException(
          "host '" + host + "' did not resolve within " + e.deadline().toMillis() + " ms");
    } catch (UnknownHostException e) {
      throw new RejectedUrlException("host '" + host + "' does not resolve");
    }
  }

  private static void check(String host, InetAddress[] addresses) throws RejectedUrlException {
    for (InetAddress address : addresses) {
      if (isNonPublic(address)) {
        throw new RejectedUrlException(
            "host '" + host + "' is a loopback, private or link-local address");
      }
    }
  }

  /** Loopback, private, link-local, CGNAT, multicast, unspecified and reserved ranges. */
  public static boolean isNonPublic(InetAddress a) {
    if (a.isAnyLocalAddress()
        || a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int o0 = b[0] & 0xff;
      int o1 = b[1] & 0xff;
      return o0 == 0
          || (o0 == 100 && (o1 & 0xc0) == 64) // 100.64.0.0/10 carrier-grade NAT
          || (o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0) // 192.0.0.0/24
          || (o0 == 198 && (o1 & 0xfe) == 18) // 198.18.0.0/15
          || o0 >= 240;
    }
    if (a instanceof Inet6Address) {
      if ((b[0] & 0xfe) == 0xfc) { // fc00::/7 unique local
        return true;
      }
      boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
      if (nat64) {
        try {
          return isNonPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
          return true;
        }
      }
    }
    return false;
  }
}
