package io.gitfaas.frontend;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The web console: a page, its script and style, and the Postman files, served from the jar behind
 * sign-in like every other route. The page calls the public API only. Its content security policy
 * allows nothing but this origin: no inline script, no CDN.
 */
final class ConsolePage {
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

  /** Path served -> classpath resource and its content type. */
  private static final Map<String, String[]> FILES = new LinkedHashMap<>();

  static {
    FILES.put("/", new String[] {"/console/index.html", "text/html; charset=utf-8"});
    FILES.put(
        "/console.js", new String[] {"/console/console.js", "text/javascript; charset=utf-8"});
    FILES.put("/console.css", new String[] {"/console/console.css", "text/css; charset=utf-8"});
    for (String name :
        new String[] {"gitfaas.postman_collection.json", "gitfaas.postman_environment.json"}) {
      FILES.put("/postman/" + name, new String[] {"/postman/" + name, "application/json"});
    }
  }

  private ConsolePage() {}

  /** Every path of the console, for route listings. */
  static Set<String> paths() {
    return FILES.keySet();
  }

  static void register(RoutesConfig routes) {
    FILES.forEach(
        (path, file) -> {
          byte[] content = load(file[0]);
          String type = file[1];
          routes.get(path, ctx -> serve(ctx, content, type));
        });
  }

  private static void serve(Context ctx, byte[] content, String type) {
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    ctx.header("Referrer-Policy", "no-referrer");
    // Small files, changed with each release: always revalidated, never stale after an upgrade.
    ctx.header("Cache-Control", "no-cache");
    ctx.contentType(type);
    ctx.result(content);
  }

  private static byte[] load(String resource) {
    try (InputStream in = ConsolePage.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the frontend's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
