package io.gitfaas.frontend.api;

import io.gitfaas.system.SystemStatus;
import io.gitfaas.system.SystemStatusStore;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** Routes for ADMIN_EMAILS only; everyone else gets 403. */
public final class AdminRoutes {
  static final int DECISIONS_SHOWN = 20;

  private final SystemStatusStore system;

  public AdminRoutes(SystemStatusStore system) {
    this.system = system;
  }

  public void getSystemStatus(Context ctx) {
    requireAdmin(ctx);
    SystemStatus status =
        system
            .status()
            .orElseThrow(
                () -> new ApiException(503, "the observer has not reported yet; try again soon"));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status.status());
    body.put("workers", status.workers());
    body.put("queue", status.queue());
    body.put("at", status.at());
    body.put("logs", system.decisions(DECISIONS_SHOWN));
    JsonResponses.send(ctx, 200, body);
  }

  static void requireAdmin(Context ctx) {
    if (!Identities.of(ctx).admin()) {
      throw new ApiException(403, "this route is for administrators only");
    }
  }
}
