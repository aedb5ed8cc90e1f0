package io.gitfaas.frontend.api;

import io.javalin.http.Context;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses state-changing requests that a browser sent on behalf of another site: the session cookie
 * goes with them, so without this check any page the user visits could create tasks in the user's
 * name. A browser says where a request comes from (Sec-Fetch-Site, Origin); a script or Postman
 * sends neither and is let through, since it holds the cookie itself.
 */
public final class CrossSiteGuard {
  /** Sec-Fetch-Site values of requests the user made on this site (or typed in the address bar). */
  private static final Set<String> OWN_SITE = Set.of("same-origin", "none");

  private CrossSiteGuard() {}

  /** For every POST: 403 when the browser says the request comes from another origin. */
  public static void check(Context ctx) {
    String fetchSite = ctx.header("Sec-Fetch-Site");
    if (fetchSite != null && !OWN_SITE.contains(fetchSite.trim().toLowerCase(Locale.ROOT))) {
      throw refused();
    }
    String origin = ctx.header("Origin");
    if (origin != null && !sameHost(origin, ctx.header("Host"))) {
      throw refused();
    }
  }

  /** createTask takes JSON only: a form or text/plain body is what a cross-site page can send. */
  public static void requireJson(Context ctx) {
    String type = ctx.header("Content-Type");
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!media.equals("application/json")) {
      throw new ApiException(415, "send the task as JSON (Content-Type: application/json)");
    }
  }

  /**
   * Whether the Origin names the host the request was sent to. The browser sets both, so a page of
   * another site cannot make them agree; "null" (a sandboxed frame, a file) never matches.
   */
  static boolean sameHost(String origin, String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    try {
      URI uri = URI.create(origin.trim());
      if (uri.getHost() == null) {
        return false;
      }
      String authority = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
      String expected = host.trim().toLowerCase(Locale.ROOT);
      String given = authority.toLowerCase(Locale.ROOT);
      return given.equals(expected) || given.equals(withoutDefaultPort(expected, uri.getScheme()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String withoutDefaultPort(String host, String scheme) {
    String port = "https".equalsIgnoreCase(scheme) ? ":443" : ":80";
    return host.endsWith(port) ? host.substring(0, host.length() - port.length()) : host;
  }

  private static ApiException refused() {
    return new ApiException(
        403, "cross-site request refused: send it from this site's own pages or from a script");
  }
}
