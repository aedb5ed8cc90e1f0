package io.gitfaas.frontend.api;

import io.gitfaas.frontend.auth.Identity;
import io.gitfaas.task.UserKey;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Request ids and the access log. Every request gets an id: the one the proxy sent in {@value
 * #HEADER} when it is a plausible one, else a new one; it is answered back, is in the log context
 * of the request's lines, and goes into the record of a task the request creates, so a task's lines
 * on its worker name it too. Every API call ends with one access line: method, route, status,
 * duration, user key and request id.
 */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("access");
  public static final String HEADER = "X-Request-Id";
  static final String ATTRIBUTE = "gitfaas.requestId";
  private static final Pattern PLAUSIBLE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private AccessLog() {}

  /** Before every request. */
  public static void assign(Context ctx) {
    String given = ctx.header(HEADER);
    String id =
        given != null && PLAUSIBLE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.attribute(ATTRIBUTE, id);
    ctx.header(HEADER, id);
    MDC.clear(); // a request that ended on another thread left this one's
    MDC.put("requestId", id);
  }

  /** The request's id (null before {@link #assign}). */
  public static String requestId(Context ctx) {
    return ctx.attribute(ATTRIBUTE);
  }

  /** When a request has been answered (an event stream: when it ends). */
  public static void log(Context ctx, Float millis) {
    String route;
    try {
      route = ctx.endpoint().path;
    } catch (RuntimeException e) {
      route = "(no route)"; // the path as sent is the client's text: it stays out of the log
    }
    Identity user = ctx.attribute(Identities.ATTRIBUTE);
    try {
      MDC.put("requestId", requestId(ctx));
      MDC.put("user", user == null ? "-" : UserKey.of(user.email()));
      LOG.info("{} {} {} {} ms", ctx.method(), route, ctx.status().getCode(), Math.round(millis));
      Timer.builder("gitfaas.http.requests")
          .description("API calls by route, method and status")
          .tags(
              "route",
              route,
              "method",
              ctx.method().name(),
              "status",
              Integer.toString(ctx.status().getCode()))
          .publishPercentileHistogram()
          .register(Metrics.globalRegistry)
          .record(java.time.Duration.ofNanos((long) (millis * 1_000_000)));
    } finally {
      MDC.clear();
    }
  }
}
