package io.gitfaas.frontend.api;

import io.gitfaas.json.Json;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON bodies with the project's mapper, and the one error shape: {"error": "..."}. */
public final class JsonResponses {
  private JsonResponses() {}

  public static void send(Context ctx, int status, Object body) {
    ctx.status(status);
    ctx.contentType("application/json");
    ctx.result(Json.write(body));
  }

  public static void error(Context ctx, int status, String message, Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.putAll(extra);
    send(ctx, status, body);
  }
}
