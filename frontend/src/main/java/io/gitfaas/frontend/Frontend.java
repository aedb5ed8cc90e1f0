package io.gitfaas.frontend;

import io.gitfaas.callback.CallbackSigner;
import io.gitfaas.config.Settings;
import io.gitfaas.frontend.api.AccessLog;
import io.gitfaas.frontend.api.AdminRoutes;
import io.gitfaas.frontend.api.ApiException;
import io.gitfaas.frontend.api.CallbackRoutes;
import io.gitfaas.frontend.api.CreateTaskParser;
import io.gitfaas.frontend.api.CrossSiteGuard;
import io.gitfaas.frontend.api.Identities;
import io.gitfaas.frontend.api.JsonResponses;
import io.gitfaas.frontend.api.StreamRoutes;
import io.gitfaas.frontend.api.StreamSlots;
import io.gitfaas.frontend.api.TaskRoutes;
import io.gitfaas.frontend.auth.OidcTokenVerifier;
import io.gitfaas.frontend.auth.OidcTokenVerifier.ProviderUnavailableException;
import io.gitfaas.frontend.auth.UnauthenticatedException;
import io.gitfaas.git.BoundedResolver;
import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.store.StoreException;
import io.gitfaas.store.StoreFullException;
import io.gitfaas.submit.TaskCancellation;
import io.gitfaas.submit.TaskSubmission;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.nats.client.Connection;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST frontend: every request but /healthz carries a verified identity. */
public final class Frontend {
  private static final Logger LOG = LoggerFactory.getLogger(Frontend.class);

  /** 64 parameters of 4 KiB and a URL fit with room to spare; more is refused with 413. */
  public static final long MAX_BODY_BYTES = 512 * 1024;

  /** Routes that need no sign-in. */
  public static final java.util.Set<String> PUBLIC_PATHS =
      java.util.Set.of("/healthz", "/openapi.json");

  private static final byte[] OPENAPI = loadOpenApi();

  private Frontend() {}

  private static byte[] loadOpenApi() {
    try (var in = Frontend.class.getResourceAsStream("/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json missing from the frontend");
      }
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void openApi(Context ctx) {
    ctx.contentType("application/json");
    ctx.result(OPENAPI);
  }

  /** The most a request's headers may hold. */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  public static Javalin create(Settings settings, Connection connection) {
    return create(settings, Backend.nats(connection, settings));
  }

  public static Javalin create(Settings settings, Backend backend) {
    var fs = settings.frontend();
    var routes =
        new TaskRoutes(
            new TaskSubmission(
                backend.admission(),
                backend.tasks(),
                backend.queue(),
                settings.limits().maxActivePerUser(),
                settings.limits().userResultQuota()),
            new TaskCancellation(
                backend.tasks(),
                backend.results(),
                backend.admission(),
                backend.cancels(),
                backend.callbacks(),
                Clock.systemUTC()),
            backend.tasks(),
            backend.results(),
            new CreateTaskParser(new GitUrlPolicy(settings.git()), settings.callbacks().enabled()),
            settings.limits(),
            Clock.systemUTC());
    long injectMax = fs.injectMaxBytes();
    var streams =
        new StreamRoutes(
            backend.output(), backend.tasks(), new StreamSlots(fs.maxStreamsPerUser()));
    var callbacks =
        new CallbackRoutes(
            settings.callbacks().enabled()
                ? new CallbackSigner(settings.callbacks().signingKey())
                : null);
    var admin = new AdminRoutes(backend.system(), backend.injections(), injectMax);
    var verifier =
        new OidcTokenVerifier(
            fs.oidcIssuerUrl(), fs.oidcClientId(), fs.oidcEmailClaim(), fs.adminEmails());
    return Javalin.create(
        config -> {
          config.startup.showJavalinBanner = false;
          config.http.maxRequestSize = MAX_BODY_BYTES;
          config.http.prefer405over404 = true;
          config.jetty.multipartConfig.maxFileSize(
              injectMax + AdminRoutes.MULTIPART_OVERHEAD, SizeUnit.BYTES);
          config.jetty.multipartConfig.maxTotalRequestSize(
              injectMax + 2 * AdminRoutes.MULTIPART_OVERHEAD, SizeUnit.BYTES);
          config.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
          config.events.serverStopping(streams::close);
          // A big session (oauth2-proxy splits its cookie past 4 KiB) comes with a big ID token in
          // Authorization: room for both, well past Jetty's 8 KiB.
          config.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(MAX_HEADER_BYTES));
          config.jetty.host = fs.host();
          config.jetty.port = fs.port();
          config.routes.get("/healthz", ctx -> health(ctx, backend));
          config.routes.get("/openapi.json", Frontend::openApi);
          config.routes.before(AccessLog::assign);
          config.requestLogger.http(AccessLog::log);
          // No answer of ours is ever to be taken for a script or a page by a browser's guess.
          config.routes.before(ctx -> ctx.header("X-Content-Type-Options", "nosniff"));
          config.routes.before(
              ctx -> {
                if (ctx.method() == HandlerType.POST) {
                  CrossSiteGuard.check(ctx);
                }
              });
          config.routes.before(ctx -> authenticate(ctx, verifier));
          config.routes.post(
              "/createTask",
              ctx -> {
                rejectLargeBody(ctx);
                CrossSiteGuard.requireJson(ctx);
                routes.createTask(ctx);
              });
          config.routes.post(
              "/createTasks",
              ctx -> {
                rejectLargeBody(ctx);
                CrossSiteGuard.requireJson(ctx);
                routes.createTasks(ctx);
              });
          config.routes.post("/cancelTask", routes::cancelTask);
          config.routes.post("/deleteTask", routes::deleteTask);
          config.routes.get("/getTaskStatus", routes::getTaskStatus);
          config.routes.get("/getTaskResult", routes::getTaskResult);
          config.routes.get("/getTaskOutput", routes::getTaskOutput);
          config.routes.get("/getSessionCookie", routes::getSessionCookie);
          config.routes.get("/getAllTasks", routes::getAllTasks);
          config.routes.get("/whoami", routes::whoami);
          config.routes.get("/getCallbackSecret", callbacks::getCallbackSecret);
          // Stream routes check their slot and task in their own handler: path-bound before and
          // after handlers would add a path match to every request of every route.
          config.routes.get("/streamTasks", streams.route(streams::streamTasks));
          config.routes.get("/streamTaskOutput", streams.route(streams::streamTaskOutput));
          config.routes.get("/getSystemStatus", admin::getSystemStatus);
          config.routes.post("/injectFile", admin::injectFile);
          config.routes.get("/getInjectedFiles", admin::getInjectedFiles);
          config.routes.post("/deleteInjectedFile", admin::deleteInjectedFile);
          ConsolePage.register(config.routes);
          config.routes.exception(
              ApiException.class,
              (e, ctx) -> JsonResponses.error(ctx, e.status(), e.getMessage(), e.extra()));
          config.routes.exception(
              HttpResponseException.class,
              (e, ctx) -> JsonResponses.error(ctx, e.getStatus(), e.getMessage(), Map.of()));
          config.routes.exception(
              BoundedResolver.BusyException.class,
              (e, ctx) -> {
                ctx.header("Retry-After", "5");
                JsonResponses.error(ctx, 503, e.getMessage(), Map.of());
              });
          config.routes.exception(
              StoreFullException.class,
              (e, ctx) -> {
                LOG.warn("{} refused: {}", describe(ctx), e.getMessage());
                ctx.header("Retry-After", "60");
                JsonResponses.error(ctx, 507, e.getMessage(), Map.of());
              });
          config.routes.exception(
              StoreException.class,
              (e, ctx) -> {
                LOG.error("NATS failed on {}", describe(ctx), e);
                ctx.header("Retry-After", "5");
                JsonResponses.error(ctx, 503, "the task queue is unavailable; try again", Map.of());
              });
          config.routes.exception(
              Exception.class,
              (e, ctx) -> {
                LOG.error("unexpected error on {}", describe(ctx), e);
                JsonResponses.error(ctx, 500, "internal error", Map.of());
              });
          config.routes.error(404, "*", ctx -> defaultError(ctx, "no such route: " + ctx.path()));
          config.routes.error(
              405,
              "*",
              ctx -> defaultError(ctx, ctx.method() + " is not allowed on " + ctx.path()));
        });
  }

  /** The request's method and path, for a log line; a finished request has neither. */
  private static String describe(Context ctx) {
    try {
      return ctx.method() + " " + ctx.path();
    } catch (RuntimeException e) {
      return "a finished request";
    }
  }

  /** Fills in a JSON error where no handler wrote one. */
  private static void defaultError(Context ctx, String message) {
    String result = ctx.result();
    if (result == null || result.isEmpty() || !result.startsWith("{")) {
      JsonResponses.error(ctx, ctx.status().getCode(), message, Map.of());
    }
  }

  private static void authenticate(Context ctx, OidcTokenVerifier verifier) {
    if (PUBLIC_PATHS.contains(ctx.path())) {
      return;
    }
    try {
      Identities.set(ctx, verifier.verify(ctx.header("Authorization")));
    } catch (UnauthenticatedException e) {
      throw new ApiException(401, e.getMessage());
    } catch (ProviderUnavailableException e) {
      LOG.warn("cannot verify tokens: {}", e.getMessage());
      throw new ApiException(503, "sign-in is unavailable right now; try again");
    }
  }

  private static void rejectLargeBody(Context ctx) {
    long length = ctx.req().getContentLengthLong();
    if (length > MAX_BODY_BYTES) {
      throw new ApiException(413, "body larger than " + MAX_BODY_BYTES + " bytes");
    }
  }

  private static void health(Context ctx, Backend backend) {
    boolean up = backend.connected().getAsBoolean();
    JsonResponses.send(ctx, up ? 200 : 503, Map.of("nats", up ? "connected" : "disconnected"));
  }
}
