package io.gitfaas.frontend;

import io.gitfaas.frontend.api.Identities;
import io.javalin.http.Context;

/** Where a browser lands after signing in: who you are and how to call the API. */
final class LandingPage {
  private LandingPage() {}

  static void show(Context ctx) {
    String email = escape(Identities.of(ctx).email());
    ctx.contentType("text/html; charset=utf-8");
    ctx.result(
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>gitfaas</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;">
        <h1>gitfaas</h1>
        <p>Signed in as <strong>%s</strong>.</p>
        <p>Call the API from this browser, or with the <code>_oauth2_proxy</code> cookie:</p>
        <ul>
          <li><code>POST /createTask</code> with <code>{"url": "https://...", "parameters": []}</code></li>
          <li><a href="/getAllTasks">GET /getAllTasks</a>,
              <code>GET /getTaskStatus?taskId=</code>, <code>GET /getTaskResult?taskId=</code></li>
          <li><a href="/whoami">GET /whoami</a></li>
        </ul>
        <p><a href="/oauth2/sign_out">Sign out</a></p>
        </body></html>
        """
            .formatted(email));
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
