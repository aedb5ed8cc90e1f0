package io.gitfaas.frontend.api;

import io.gitfaas.frontend.auth.Identity;
import io.gitfaas.inject.InjectedFileName;
import io.gitfaas.inject.InjectionRequest;
import io.gitfaas.inject.InjectionRequests;
import io.gitfaas.system.SystemStatus;
import io.gitfaas.system.SystemStatusStore;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** Routes for ADMIN_EMAILS only; everyone else gets 403. */
public final class AdminRoutes {
  static final int DECISIONS_SHOWN = 20;

  /** Room for the multipart boundaries and headers around the file. */
  public static final long MULTIPART_OVERHEAD = 64 * 1024;

  private final SystemStatusStore system;
  private final InjectionRequests injections;
  private final long injectMaxBytes;

  public AdminRoutes(SystemStatusStore system, InjectionRequests injections, long injectMaxBytes) {
    this.system = system;
    this.injections = injections;
    this.injectMaxBytes = injectMaxBytes;
  }

  /**
   * Multipart field {@code file}, or the file itself as {@code application/octet-stream} named by
   * the query parameter {@code name} (what curl's --data-binary and a Postman raw body send):
   * handed to the injector, which stores it; 202.
   */
  public void injectFile(Context ctx) {
    Identity admin = requireAdmin(ctx);
    long length = ctx.req().getContentLengthLong();
    if (length > injectMaxBytes + MULTIPART_OVERHEAD) {
      // Read what a reverse proxy is still sending (up to a bound), so it gets the 413 rather
      // than a broken connection it would turn into a 502.
      drain(ctx, 2 * injectMaxBytes + MULTIPART_OVERHEAD);
      throw tooLarge();
    }
    String type = ctx.header("Content-Type");
    if (type != null && type.split(";", 2)[0].trim().equalsIgnoreCase("application/octet-stream")) {
      String raw = ctx.queryParam("name");
      String name =
          (raw == null ? java.util.Optional.<String>empty() : InjectedFileName.sanitize(raw))
              .orElseThrow(
                  () -> new ApiException(400, "name the file with the query parameter 'name'"));
      try (InputStream in = ctx.req().getInputStream()) {
        stage(ctx, admin, name, in);
      } catch (IOException e) {
        throw new ApiException(400, "the upload could not be read: " + e.getMessage());
      }
      return;
    }
    UploadedFile file;
    try {
      file = ctx.uploadedFile("file");
    } catch (IllegalStateException e) {
      throw tooLarge(); // the multipart parser's own size limit
    }
    if (file == null) {
      throw new ApiException(400, "send the file as multipart/form-data field 'file'");
    }
    String name =
        InjectedFileName.sanitize(file.filename())
            .orElseThrow(() -> new ApiException(400, "the file needs a name"));
    try (InputStream in = file.content()) {
      stage(ctx, admin, name, in);
    } catch (IOException e) {
      throw new ApiException(400, "the upload could not be read: " + e.getMessage());
    }
  }

  private void stage(Context ctx, Identity admin, String name, InputStream in) throws IOException {
    InjectionRequest request;
    try {
      request = injections.stage(name, in, injectMaxBytes, admin.email());
    } catch (InjectionRequests.TooLargeException e) {
      throw tooLarge();
    }
    JsonResponses.send(
        ctx, 202, Map.of("name", request.name(), "size", request.size(), "status", "PENDING"));
  }

  /** The injected files, and the uploads the injector has not stored yet. */
  public void getInjectedFiles(Context ctx) {
    requireAdmin(ctx);
    JsonResponses.send(
        ctx, 200, Map.of("files", injections.list(), "pending", injections.pending()));
  }

  public void deleteInjectedFile(Context ctx) {
    Identity admin = requireAdmin(ctx);
    String name = ctx.queryParam("name");
    if (name == null || !InjectedFileName.isSafe(name)) {
      throw new ApiException(400, "query parameter 'name' must be an injected file's name");
    }
    injections.requestDelete(name, admin.email());
    JsonResponses.send(ctx, 202, Map.of("name", name, "status", "DELETING"));
  }

  private static void drain(Context ctx, long atMost) {
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] buffer = new byte[64 * 1024];
      long read = 0;
      for (int n = in.read(buffer); n != -1 && read < atMost; n = in.read(buffer)) {
        read += n;
      }
    } catch (IOException e) {
      // the client went away: nothing to answer
    }
  }

  private ApiException tooLarge() {
    return new ApiException(413, "the file is larger than " + injectMaxBytes + " bytes");
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
    body.put("storage", status.storage());
    body.put("warnings", status.warnings());
    body.put("logs", system.decisions(DECISIONS_SHOWN));
    body.put("history", system.history().points());
    JsonResponses.send(ctx, 200, body);
  }

  static Identity requireAdmin(Context ctx) {
    Identity identity = Identities.of(ctx);
    if (!identity.admin()) {
      throw new ApiException(403, "this route is for administrators only");
    }
    return identity;
  }
}
