package io.gitfaas.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.config.Settings;
import io.gitfaas.json.Json;
import io.gitfaas.system.ScalingDecision;
import io.gitfaas.system.SystemStatus;
import io.gitfaas.task.LiveOutput;
import io.gitfaas.testkit.FreePort;
import io.javalin.Javalin;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The frontend's routes against a real OIDC provider, run over each backend (JetStream, and the
 * in-memory twins): the same requests get the same answers. No workers run: tasks stay PENDING
 * unless a test moves them, which is what the API's limits and errors are about.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60) // an awaited event that never comes fails the test, not the build
abstract class FrontendRoutesContract {
  static final String CLIENT_ID = "gitfaas-test";
  static final int LIMIT = 80;
  static final int STREAMS = 3;
  static final String CALLBACK_KEY = "a-signing-key-of-at-least-32-characters";
  final HttpClient http = HttpClient.newHttpClient();
  MockOAuth2Server idp;
  Javalin app;
  String base;
  Settings settings;
  Map<String, String> env;
  Backend backend;

  /** Starts what the backend needs and returns it. */
  abstract Backend startBackend(Map<String, String> env) throws Exception;

  abstract void stopBackend() throws Exception;

  /** Publishes a chunk of a running task's output, as a worker would. */
  abstract void publishOutput(String owner, UUID taskId, String stream, String text)
      throws Exception;

  @BeforeAll
  void start() throws Exception {
    idp = new MockOAuth2Server();
    idp.start(FreePort.pick());
    env = new HashMap<>();
    env.put("OIDC_ISSUER_URL", idp.issuerUrl("default").toString());
    env.put("OIDC_CLIENT_ID", CLIENT_ID);
    env.put("FRONTEND_PORT", "0");
    env.put("GIT_ALLOW_HTTP", "true");
    env.put("GIT_ALLOW_PRIVATE_HOSTS", "true");
    env.put("ADMIN_EMAILS", "root@example.com");
    env.put("MAX_ACTIVE_TASKS_PER_USER", Integer.toString(LIMIT));
    env.put("INJECT_MAX_BYTES", "1024");
    env.put("MAX_STREAMS_PER_USER", Integer.toString(STREAMS));
    env.put("USER_RESULT_QUOTA", "1m");
    env.put("CALLBACK_SIGNING_KEY", CALLBACK_KEY);
    backend = startBackend(env);
    settings = Settings.fromEnv(env, Settings.Service.FRONTEND);
    app = Frontend.create(settings, backend).start();
    base = "http://127.0.0.1:" + app.port();
  }

  @AfterAll
  void stop() throws Exception {
    app.stop();
    stopBackend();
    idp.shutdown();
  }

  String token(String email) {
    return token(CLIENT_ID, Map.of("email", email, "email_verified", true));
  }

  /** An ID token issued to {@code client} (its azp) for this service (its aud). */
  String token(String client, Map<String, Object> claims) {
    return idp.issueToken(
            "default",
            client,
            new DefaultOAuth2TokenCallback(
                "default", "subject", "JWT", List.of(CLIENT_ID), claims, 3600))
        .serialize();
  }

  HttpResponse<String> get(String path, String email) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(base + path));
    if (email != null) {
      b.header("Authorization", "Bearer " + token(email));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> create(String body, String email) throws Exception {
    return postAs(email, "/createTask", "application/json", body);
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body());
  }

  static final String VALID = "{\"url\": \"http://127.0.0.1/repo.git\", \"parameters\": [\"a\"]}";

  @Test
  void noTokenForgedHeadersOrAWrongAudienceGet401() throws Exception {
    assertThat(get("/getAllTasks", null).statusCode()).isEqualTo(401);
    var forged =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/whoami"))
                .header("X-Forwarded-Email", "root@example.com")
                .header("X-Forwarded-User", "root")
                .header("X-Auth-Request-Email", "root@example.com")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(json(forged).get("error").asText()).contains("sign in");
    String otherAudience =
        idp.issueToken("default", "x", "someone-else", Map.of("email", "a@example.com"))
            .serialize();
    var wrongAud =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/whoami"))
                .header("Authorization", "Bearer " + otherAudience)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(wrongAud.statusCode()).isEqualTo(401);
    String tampered = token("a@example.com");
    String[] parts = tampered.split("\\.");
    String forgedPayload =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1]))
                    .replace("a@example.com", "root@example.com")
                    .getBytes());
    var bad =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/whoami"))
                .header(
                    "Authorization", "Bearer " + parts[0] + "." + forgedPayload + "." + parts[2])
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(401);
  }

  int whoamiWith(String token) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base + "/whoami"))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void tokensWithoutAVerifiedPlainAddressOrForAnotherClientGet401() throws Exception {
    String noVerifiedClaim = token(CLIENT_ID, Map.of("email", "root@example.com"));
    assertThat(whoamiWith(noVerifiedClaim)).isEqualTo(401);
    String unverified =
        token(CLIENT_ID, Map.of("email", "root@example.com", "email_verified", false));
    assertThat(whoamiWith(unverified)).isEqualTo(401);
    String foreignAzp =
        token("another-app", Map.of("email", "a@example.com", "email_verified", true));
    assertThat(whoamiWith(foreignAzp)).isEqualTo(401);
    // U+212A KELVIN SIGN lower-cases to "k": it must not become root@example.com's twin.
    assertThat(whoamiWith(token("roo\u212At@example.com"))).isEqualTo(401);
    assertThat(whoamiWith(token("j\u00f6rg@example.com"))).isEqualTo(401);
    String ownAzp = token("a@example.com");
    assertThat(whoamiWith(ownAzp)).isEqualTo(200);
  }

  /** A POST with a signed-in victim's credentials and the given headers. */
  HttpResponse<String> post(String path, String contentType, String body, String... headers)
      throws Exception {
    return postAs("victim@example.com", path, contentType, body, headers);
  }

  HttpResponse<String> postAs(
      String email, String path, String contentType, String body, String... headers)
      throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token(email))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void crossSiteRequestsWithTheVictimsSessionAre403() throws Exception {
    String evil = "https://attacker.example";
    // The classic form post: text/plain needs no preflight, the cookie goes along.
    var form = post("/createTask", "text/plain", VALID, "Origin", evil);
    assertThat(form.statusCode()).isEqualTo(403);
    assertThat(json(form).get("error").asText()).contains("cross-site");
    assertThat(post("/createTask", "application/json", VALID, "Origin", evil).statusCode())
        .isEqualTo(403);
    assertThat(
            post("/createTask", "application/json", VALID, "Sec-Fetch-Site", "cross-site")
                .statusCode())
        .isEqualTo(403);
    assertThat(post("/createTask", "application/json", VALID, "Origin", "null").statusCode())
        .isEqualTo(403);
    String multipart =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nx\r\n--b--\r\n";
    assertThat(
            post("/injectFile", "multipart/form-data; boundary=b", multipart, "Origin", evil)
                .statusCode())
        .isEqualTo(403);
    assertThat(
            post(
                    "/deleteInjectedFile?name=x",
                    "application/json",
                    "{}",
                    "Sec-Fetch-Site",
                    "same-site")
                .statusCode())
        .isEqualTo(403);
    assertThat(post("/createTasks", "text/plain", batch(1), "Origin", evil).statusCode())
        .isEqualTo(403);
    // Taking a victim's task back or deleting it is refused the same way.
    for (String route : List.of("/cancelTask", "/deleteTask")) {
      String path = route + "?taskId=" + UUID.randomUUID();
      assertThat(post(path, "text/plain", "", "Origin", evil).statusCode()).isEqualTo(403);
      assertThat(post(path, null, "", "Sec-Fetch-Site", "cross-site").statusCode()).isEqualTo(403);
    }
    assertThat(get("/getAllTasks", "victim@example.com").statusCode()).isEqualTo(200);
    assertThat(json(get("/getAllTasks", "victim@example.com")).get("tasks")).isEmpty();
  }

  @Test
  void theOwnPagesAndScriptsStillCreateTasks() throws Exception {
    // A script: no browser headers at all.
    assertThat(post("/createTask", "application/json", VALID).statusCode()).isEqualTo(201);
    // The console: same origin, as the browser says it.
    String own = "http://127.0.0.1:" + app.port();
    assertThat(
            post(
                    "/createTask",
                    "application/json; charset=utf-8",
                    VALID,
                    "Origin",
                    own,
                    "Sec-Fetch-Site",
                    "same-origin")
                .statusCode())
        .isEqualTo(201);
    var notJson = post("/createTask", "text/plain", VALID);
    assertThat(notJson.statusCode()).isEqualTo(415);
    assertThat(json(notJson).get("error").asText()).contains("application/json");
    assertThat(post("/createTask", null, VALID).statusCode()).isEqualTo(415);
  }

  @Test
  void whoamiTellsAdminsApart() throws Exception {
    assertThat(json(get("/whoami", "root@example.com")).get("admin").asBoolean()).isTrue();
    var plain = json(get("/whoami", "Plain@Example.com"));
    assertThat(plain.get("email").asText()).isEqualTo("plain@example.com");
    assertThat(plain.get("admin").asBoolean()).isFalse();
    assertThat(plain.get("limits").get("maxActiveTasks").asInt()).isEqualTo(LIMIT);
    assertThat(plain.get("limits").get("taskTtlSeconds").asLong()).isEqualTo(20 * 60);
    assertThat(plain.get("limits").get("runTimeoutSeconds").asLong()).isEqualTo(20);
    for (String path : List.of("/whoami", "/healthz", "/", "/no-such-route")) {
      assertThat(get(path, "plain@example.com").headers().firstValue("X-Content-Type-Options"))
          .as(path)
          .hasValue("nosniff");
    }
  }

  @Test
  void healthNeedsNoSignIn() throws Exception {
    var r = get("/healthz", null);
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void createdTaskIsPendingAndOnlyItsOwnerSeesIt() throws Exception {
    var created = create(VALID, "owner@example.com");
    assertThat(created.statusCode()).isEqualTo(201);
    String id = json(created).get("taskId").asText();
    assertThat(json(created).get("status").asText()).isEqualTo("PENDING");

    var status = get("/getTaskStatus?taskId=" + id, "owner@example.com");
    assertThat(status.statusCode()).isEqualTo(200);
    JsonNode record = json(status);
    assertThat(record.get("status").asText()).isEqualTo("PENDING");
    assertThat(record.get("code").asInt()).isEqualTo(100);
    assertThat(record.get("parameters").get(0).asText()).isEqualTo("a");
    assertThat(record.has("startedAt")).isTrue();

    var result = get("/getTaskResult?taskId=" + id, "owner@example.com");
    assertThat(result.statusCode()).isEqualTo(409);
    assertThat(json(result).get("status").asText()).isEqualTo("PENDING");

    var stranger = get("/getTaskStatus?taskId=" + id, "stranger@example.com");
    var unknown = get("/getTaskStatus?taskId=" + UUID.randomUUID(), "stranger@example.com");
    assertThat(stranger.statusCode()).isEqualTo(404);
    assertThat(stranger.body()).isEqualTo(unknown.body());
    assertThat(get("/getTaskResult?taskId=" + id, "stranger@example.com").statusCode())
        .isEqualTo(404);

    var all = json(get("/getAllTasks", "owner@example.com")).get("tasks");
    assertThat(all).anySatisfy(t -> assertThat(t.get("taskId").asText()).isEqualTo(id));
    assertThat(json(get("/getAllTasks", "stranger@example.com")).get("tasks")).isEmpty();
  }

  @Test
  void badTaskIdsAre400() throws Exception {
    assertThat(get("/getTaskStatus?taskId=nope", "a@example.com").statusCode()).isEqualTo(400);
    assertThat(get("/getTaskStatus", "a@example.com").statusCode()).isEqualTo(400);
    assertThat(get("/getTaskResult?taskId=../../x", "a@example.com").statusCode()).isEqualTo(400);
  }

  @Test
  void badBodiesAre400WithAMessage() throws Exception {
    String big = "x".repeat(4097);
    List<String> bodies =
        List.of(
            "not json",
            "[]",
            "{}",
            "{\"url\": 5}",
            "{\"url\": \"http://127.0.0.1/r.git\", \"parameters\": \"a\"}",
            "{\"url\": \"http://127.0.0.1/r.git\", \"parameters\": [1]}",
            "{\"url\": \"http://127.0.0.1/r.git\", \"parameters\": [\"" + big + "\"]}",
            "{\"url\": \"http://127.0.0.1/r.git\", \"extra\": 1}",
            "{\"url\": \"http://127.0.0.1/r.git\", \"ref\": \"--upload-pack=x\"}",
            "{\"url\": \"file:///etc/passwd\"}",
            "{\"url\": \"ssh://git@example.com/r.git\"}",
            "{\"url\": \"git@github.com:o/r.git\"}",
            "{\"url\": \"https://user:pw@example.com/r.git\"}",
            "{\"url\": \"-u http://x\"}",
            "{\"url\": \"http://127.0.0.1/r.git\", \"parameters\": ["
                + String.join(",", Collections.nCopies(65, "\"p\""))
                + "]}");
    for (String body : bodies) {
      var r = create(body, "bad@example.com");
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(json(r).get("error").asText()).as(body).isNotBlank();
    }
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    // The length alone is refused, before a byte of the body is read: the request is written by
    // hand, headers only, so no client is still sending when the answer comes.
    try (var socket = new java.net.Socket("127.0.0.1", app.port())) {
      String request =
          "POST /createTask HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Authorization: Bearer "
              + token("big@example.com")
              + "\r\nContent-Type: application/json\r\nContent-Length: 600000\r\n"
              + "Connection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      socket.setSoTimeout(10_000);
      String response =
          new String(
              socket.getInputStream().readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 413").contains("\"error\"");
    }
  }

  @Test
  void unknownRoutesAnswerJson() throws Exception {
    var r = get("/nope", "a@example.com");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(json(r).get("error").asText()).contains("/nope");
  }

  @Test
  void activeTaskLimitHoldsExactlyUnderConcurrency() throws Exception {
    String user = "burst@example.com";
    String token = token(user);
    int requests = 200;
    var pool = Executors.newFixedThreadPool(50);
    var go = new CountDownLatch(1);
    var codes = new ConcurrentLinkedQueue<Integer>();
    var retryAfter = new ConcurrentLinkedQueue<String>();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  go.await();
                  var r =
                      http.send(
                          HttpRequest.newBuilder(URI.create(base + "/createTask"))
                              .header("Authorization", "Bearer " + token)
                              .header("Content-Type", "application/json")
                              .POST(HttpRequest.BodyPublishers.ofString(VALID))
                              .build(),
                          HttpResponse.BodyHandlers.ofString());
                  codes.add(r.statusCode());
                  r.headers().firstValue("Retry-After").ifPresent(retryAfter::add);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              pool));
    }
    go.countDown();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    pool.shutdown();

    assertThat(codes.stream().filter(c -> c == 201)).hasSize(LIMIT);
    assertThat(codes.stream().filter(c -> c == 429)).hasSize(requests - LIMIT);
    assertThat(retryAfter).hasSize(requests - LIMIT).allMatch(v -> Integer.parseInt(v) > 0);
    assertThat(json(get("/getAllTasks", user)).get("tasks")).hasSize(LIMIT);
  }

  static String batch(int n, int... bad) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      boolean broken = java.util.Arrays.stream(bad).anyMatch(b -> b == index);
      items.add(broken ? "{\"url\": \"ftp://x/y.git\"}" : VALID);
    }
    return "{\"tasks\": [" + String.join(", ", items) + "]}";
  }

  @Test
  void aBatchAdmitsEachItemUnderTheSameLimitAndAnswersEachOne() throws Exception {
    String user = "grader@example.com";
    var first = postAs(user, "/createTasks", "application/json", batch(LIMIT, 1, 5, 9));
    assertThat(first.statusCode()).isEqualTo(207);
    JsonNode answer = json(first);
    assertThat(answer.get("created").asInt()).isEqualTo(LIMIT - 3);
    assertThat(answer.get("results")).hasSize(LIMIT);
    JsonNode broken = answer.get("results").get(5);
    assertThat(broken.get("index").asInt()).isEqualTo(5);
    assertThat(broken.get("status").asInt()).isEqualTo(400);
    assertThat(broken.get("error").asText()).containsIgnoringCase("scheme");
    JsonNode made = answer.get("results").get(6);
    assertThat(made.get("status").asInt()).isEqualTo(201);
    assertThat(get("/getTaskStatus?taskId=" + made.get("taskId").asText(), user).statusCode())
        .isEqualTo(200);
    // Three places are left: the first three items take them, in order; the rest are refused.
    var second = postAs(user, "/createTasks", "application/json", batch(5));
    assertThat(second.statusCode()).isEqualTo(207);
    assertThat(second.headers().firstValue("Retry-After")).isPresent();
    List<Integer> statuses = new ArrayList<>();
    json(second).get("results").forEach(r -> statuses.add(r.get("status").asInt()));
    assertThat(statuses).containsExactly(201, 201, 201, 429, 429);
    assertThat(backend.admission().active(user)).hasSize(LIMIT);
    assertThat(create(VALID, user).statusCode()).isEqualTo(429);
  }

  @Test
  void concurrentBatchesTogetherStayWithinTheLimit() throws Exception {
    String user = "two-tabs@example.com";
    var pool = Executors.newFixedThreadPool(4);
    try {
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sent.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return postAs(user, "/createTasks", "application/json", batch(LIMIT / 2));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                },
                pool));
      }
      int created = 0;
      for (var f : sent) {
        created += json(f.join()).get("created").asInt();
      }
      assertThat(created).isEqualTo(LIMIT);
      assertThat(backend.admission().active(user)).hasSize(LIMIT);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aBatchThatIsNoListOfTasksIs400() throws Exception {
    String user = "careless@example.com";
    for (String body :
        List.of(
            "[]",
            "{\"tasks\": []}",
            "{\"tasks\": {}}",
            "{\"tasks\": [], \"extra\": 1}",
            batch(io.gitfaas.frontend.api.CreateTaskParser.MAX_BATCH + 1),
            "not json")) {
      var r = postAs(user, "/createTasks", "application/json", body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(json(r).get("error").asText()).as(body).isNotBlank();
    }
    assertThat(postAs(user, "/createTasks", "text/plain", batch(1)).statusCode()).isEqualTo(415);
    assertThat(json(get("/getAllTasks", user)).get("tasks")).isEmpty();
  }

  /** Every route the frontend registers is in the OpenAPI document, and the other way round. */
  /** The patterns of one list in oauth2-proxy's routes file (single-quoted TOML strings). */
  static List<java.util.regex.Pattern> routeList(String cfg, String key) {
    int start = cfg.indexOf(key + " = [");
    String block = cfg.substring(start, cfg.indexOf("\n]", start));
    var m = java.util.regex.Pattern.compile("'([^']*)'").matcher(block);
    List<java.util.regex.Pattern> patterns = new ArrayList<>();
    while (m.find()) {
      patterns.add(java.util.regex.Pattern.compile(m.group(1)));
    }
    return patterns;
  }

  static boolean matches(List<java.util.regex.Pattern> patterns, String path) {
    return patterns.stream().anyMatch(p -> p.matcher(path).find());
  }

  @Test
  void oauth2ProxysRouteListMatchesTheRoutesTheFrontendRegisters() throws Exception {
    String cfg =
        java.nio.file.Files.readString(
            io.gitfaas.testkit.ProjectFiles.resolve("deploy/oauth2-proxy/routes.cfg"));
    var api = routeList(cfg, "api_routes");
    var open = routeList(cfg, "skip_auth_routes");
    assertThat(api).isNotEmpty();
    assertThat(open).isNotEmpty();
    java.util.Set<String> paths = new java.util.TreeSet<>();
    for (var e : app.unsafe.internalRouter.allHttpHandlers()) {
      if (List.of("GET", "POST", "PUT", "DELETE", "PATCH").contains(e.endpoint.method.name())) {
        paths.add(e.endpoint.path);
      }
    }
    assertThat(paths).containsAll(ConsolePage.paths()).contains("/streamTasks", "/createTask");
    for (String path : paths) {
      if (Frontend.PUBLIC_PATHS.contains(path)) {
        assertThat(matches(open, path)).as(path + " needs no sign-in").isTrue();
      } else if (ConsolePage.paths().contains(path)) {
        // a page: a browser that is not signed in is sent to the sign-in
        assertThat(matches(api, path) || matches(open, path)).as(path).isFalse();
      } else {
        // an API route: a script that is not signed in gets 401, not a login page
        assertThat(matches(api, path)).as(path + " is an API route").isTrue();
        assertThat(matches(api, path + "?taskId=x")).as(path).isTrue();
        assertThat(matches(open, path)).as(path).isFalse();
      }
    }
  }

  @Test
  void theOpenApiDocumentMatchesTheRoutes() throws Exception {
    var served = get("/openapi.json", null);
    assertThat(served.statusCode()).isEqualTo(200);
    JsonNode doc = json(served);
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    java.util.Set<String> documented = new java.util.TreeSet<>();
    doc.get("paths")
        .fields()
        .forEachRemaining(
            p ->
                p.getValue()
                    .fieldNames()
                    .forEachRemaining(m -> documented.add(m + " " + p.getKey())));
    java.util.Set<String> registered = new java.util.TreeSet<>();
    for (var e : app.unsafe.internalRouter.allHttpHandlers()) {
      String method = e.endpoint.method.name().toLowerCase();
      if (method.equals("get")
          || method.equals("post")
          || method.equals("put")
          || method.equals("delete")) {
        registered.add(method + " " + e.endpoint.path);
      }
    }
    assertThat(registered).isEqualTo(documented);

    // The statuses every route has for sure are documented, and real.
    for (String operation : documented) {
      String method = operation.split(" ")[0];
      String path = operation.split(" ")[1];
      JsonNode responses = doc.get("paths").get(path).get(method).get("responses");
      if (Frontend.PUBLIC_PATHS.contains(path)) {
        continue;
      }
      assertThat(responses.has("401")).as(operation).isTrue();
      var anonymous =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .method(method.toUpperCase(), HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).as(operation).isEqualTo(401);
      if (responses.has("403")
          && responses.get("403").get("description").asText().equals("Not an admin")) {
        var user =
            http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + token("someone@example.com"))
                    .method(method.toUpperCase(), HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(user.statusCode()).as(operation).isEqualTo(403);
      }
    }
  }

  @Test
  void theConsoleIsServedWithAStrictContentSecurityPolicy() throws Exception {
    for (String path : ConsolePage.paths()) {
      var r = get(path, "someone@example.com");
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Security-Policy")).as(path).isPresent();
      assertThat(r.body()).as(path).isNotBlank();
    }
    var page = get("/", "someone@example.com");
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'");
    // Nothing from another origin, and no inline script the policy would block.
    assertThat(page.body())
        .doesNotContain("src=\"http", "href=\"http", "<script>", "style=")
        .doesNotContainPattern("\\son[a-z]+\\s*=");
    assertThat(get("/", null).statusCode()).isEqualTo(401);
  }

  @Test
  void theSessionCookieIsHandedBackWithEveryPart() throws Exception {
    var split = sessionCookie("_oauth2_proxy_1=second; theme=dark; _oauth2_proxy_0=first");
    assertThat(split.statusCode()).isEqualTo(200);
    assertThat(split.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(json(split).get("header").asText())
        .isEqualTo("_oauth2_proxy_0=first; _oauth2_proxy_1=second");
    var whole = sessionCookie("_oauth2_proxy=abc");
    assertThat(json(whole).get("value").asText()).isEqualTo("abc");
    assertThat(get("/getSessionCookie", "someone@example.com").statusCode()).isEqualTo(404);
  }

  HttpResponse<String> sessionCookie(String cookieHeader) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/getSessionCookie"))
            .header("Authorization", "Bearer " + token("someone@example.com"))
            .header("Cookie", cookieHeader)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theTaskStreamSendsTheListThenEveryChangeToItsOwnerOnly() throws Exception {
    String email = "streamer@example.com";
    String first = json(create(VALID, email)).get("taskId").asText();
    var stream = openStream("/streamTasks", email);
    assertThat(stream.statusCode()).isEqualTo(200);
    var lines = stream.body().iterator();
    List<String> snapshot = eventsUntil(lines, "ready");
    assertThat(snapshot).anyMatch(e -> e.startsWith("task ") && e.contains(first));

    String second = json(create(VALID, email)).get("taskId").asText();
    json(create(VALID, "someone-else@example.com"));
    var tasks = backend.tasks();
    var stored = tasks.get(email, UUID.fromString(second)).orElseThrow();
    tasks.update(
        email,
        stored,
        stored.value().executing(java.time.Instant.now(), stored.value().attempt() + 1));
    List<String> changes = eventsUntil(lines, "task", "EXECUTING");
    assertThat(String.join("\n", changes))
        .contains(second + "\",\"status\":\"PENDING\"")
        .doesNotContain("someone-else");
    assertThat(changes).allMatch(e -> e.contains(second));
    stream.body().close();
  }

  /**
   * Reads "event data" pairs until an event named {@code name} whose data contains {@code text}.
   */
  static List<String> eventsUntil(java.util.Iterator<String> lines, String name, String... text) {
    List<String> out = new ArrayList<>();
    String event = null;
    while (lines.hasNext()) {
      String line = lines.next();
      if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        String data = line.substring(5).trim();
        out.add(event + " " + data);
        if (event.equals(name) && (text.length == 0 || data.contains(text[0]))) {
          return out;
        }
      }
    }
    throw new AssertionError("the stream ended before " + name + ": " + out);
  }

  @Test
  void outputOfAnUnfinishedTaskIs409AndBadQueriesAre400() throws Exception {
    String id = json(create(VALID, "reader@example.com")).get("taskId").asText();
    var pending = get("/getTaskOutput?taskId=" + id, "reader@example.com");
    assertThat(pending.statusCode()).isEqualTo(409);
    assertThat(json(pending).get("status").asText()).isEqualTo("PENDING");
    for (String query :
        List.of("&stream=result.json", "&limit=0", "&limit=lots", "&limit=9999999")) {
      var bad = get("/getTaskOutput?taskId=" + id + query, "reader@example.com");
      assertThat(bad.statusCode()).as(query).isEqualTo(400);
      assertThat(json(bad).get("error").asText()).as(query).isNotBlank();
    }
    assertThat(get("/getTaskOutput?taskId=" + id, "other@example.com").statusCode()).isEqualTo(404);
  }

  HttpResponse<String> inject(String email, String filename, String content) throws Exception {
    String body =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + filename
            + "\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + content
            + "\r\n--b--\r\n";
    return postAs(email, "/injectFile", "multipart/form-data; boundary=b", body);
  }

  @Test
  void adminRoutesAreForAdminsAndReportWhatTheStoresHold() throws Exception {
    assertThat(get("/getSystemStatus", "user@example.com").statusCode()).isEqualTo(403);
    assertThat(inject("user@example.com", "data.txt", "42").statusCode()).isEqualTo(403);

    var accepted = inject("root@example.com", "data.txt", "42");
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(json(accepted).get("status").asText()).isEqualTo("PENDING");
    assertThat(json(accepted).get("size").asLong()).isEqualTo(2);
    var files = json(get("/getInjectedFiles", "root@example.com"));
    assertThat(files.get("pending").toString()).contains("data.txt");

    var tooLarge = inject("root@example.com", "big.bin", "x".repeat(2048));
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(json(tooLarge).get("error").asText()).contains("1024 bytes");
    assertThat(json(get("/getInjectedFiles", "root@example.com")).get("pending").toString())
        .doesNotContain("big.bin");
    var badName = postAs("root@example.com", "/deleteInjectedFile?name=../etc", null, "");
    assertThat(badName.statusCode()).isEqualTo(400);

    // The file itself as the body, named in the query (curl --data-binary, a Postman raw body).
    var raw =
        postAs("root@example.com", "/injectFile?name=raw.txt", "application/octet-stream", "abc");
    assertThat(raw.statusCode()).isEqualTo(202);
    assertThat(json(raw).get("name").asText()).isEqualTo("raw.txt");
    assertThat(json(raw).get("size").asLong()).isEqualTo(3);
    assertThat(
            postAs("root@example.com", "/injectFile", "application/octet-stream", "abc")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            postAs(
                    "root@example.com",
                    "/injectFile?name=big.bin",
                    "application/octet-stream",
                    "x".repeat(2048))
                .statusCode())
        .isEqualTo(413);
    assertThat(
            postAs(
                    "user@example.com",
                    "/injectFile?name=raw.txt",
                    "application/octet-stream",
                    "abc")
                .statusCode())
        .isEqualTo(403);

    Instant at = Instant.now();
    backend
        .system()
        .publish(
            new SystemStatus(
                SystemStatus.CONGESTED,
                new SystemStatus.Workers(1, 2, 1, 1, 4),
                new SystemStatus.Queue(30, 1, 0, 9),
                at,
                List.of(new SystemStatus.StoreUse("results", 95, 100)),
                List.of("the results store is 95% full")));
    backend.system().record(new ScalingDecision(at, 1, 2, "lag 30", 30, 1));
    var status = get("/getSystemStatus", "root@example.com");
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(json(status).get("status").asText()).isEqualTo("CONGESTED");
    assertThat(json(status).get("queue").get("pending").asLong()).isEqualTo(30);
    assertThat(json(status).get("logs").get(0).get("reason").asText()).isEqualTo("lag 30");
    assertThat(json(status).get("storage").get(0).get("maxBytes").asLong()).isEqualTo(100);
    assertThat(json(status).get("warnings").get(0).asText()).contains("95% full");
  }

  @Test
  void aRunningTasksOutputReachesItsOwnerThenTheEnd() throws Exception {
    String email = "live@example.com";
    UUID id = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    var executing = start(email, id);
    var stream = openStream("/streamTaskOutput?taskId=" + id, email);
    assertThat(stream.statusCode()).isEqualTo(200);
    var lines = stream.body().iterator();
    eventsUntil(lines, "ready"); // listening from here on; what was printed before is in the zip
    publishOutput(email, id, "stdout", "hello");
    assertThat(eventsUntil(lines, "stdout")).last().asString().contains("hello");
    finish(email, executing);
    publishOutput(email, id, LiveOutput.END, ""); // as the worker does once the record is final
    assertThat(eventsUntil(lines, "end")).last().asString().contains("FINISHED");
    assertThat(get("/streamTaskOutput?taskId=" + id, "stranger@example.com").statusCode())
        .isEqualTo(404);
  }

  /** Moves the task on as a worker would: EXECUTING, then FINISHED. */
  io.gitfaas.store.Versioned<io.gitfaas.task.TaskRecord> start(String email, UUID id)
      throws Exception {
    var stored = backend.tasks().get(email, id).orElseThrow();
    return backend.tasks().update(email, stored, stored.value().executing(Instant.now(), 1));
  }

  void finish(String email, io.gitfaas.store.Versioned<io.gitfaas.task.TaskRecord> executing)
      throws Exception {
    finish(email, executing, null);
  }

  /** With {@code resultBytes} kept. */
  void finish(
      String email,
      io.gitfaas.store.Versioned<io.gitfaas.task.TaskRecord> executing,
      Long resultBytes)
      throws Exception {
    backend
        .tasks()
        .update(
            email,
            executing,
            executing
                .value()
                .finished(
                    io.gitfaas.task.TaskStatus.FINISHED,
                    Instant.now(),
                    0,
                    null,
                    null,
                    resultBytes,
                    null));
  }

  HttpResponse<java.util.stream.Stream<String>> openStream(String path, String email)
      throws Exception {
    return openStream(http, path, email);
  }

  HttpResponse<java.util.stream.Stream<String>> openStream(
      HttpClient client, String path, String email) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token(email))
            .header("Accept", "text/event-stream")
            .build(),
        HttpResponse.BodyHandlers.ofLines());
  }

  @Test
  void eachUserHoldsAFewEventStreamsAtOnce() throws Exception {
    String email = "tabs@example.com";
    // Streams the server closes itself (a finished task's output) give their slot back.
    UUID done = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    finish(email, start(email, done));
    for (int i = 0; i < 2 * STREAMS; i++) {
      var ended = openStream("/streamTaskOutput?taskId=" + done, email);
      assertThat(ended.statusCode()).isEqualTo(200);
      assertThat(eventsUntil(ended.body().iterator(), "end")).isNotEmpty();
      ended.body().close();
    }
    // Bad requests reserve nothing either.
    for (int i = 0; i < 2 * STREAMS; i++) {
      assertThat(openStream("/streamTaskOutput?taskId=nope", email).statusCode()).isEqualTo(400);
    }
    List<HttpResponse<java.util.stream.Stream<String>>> open = new ArrayList<>();
    try {
      for (int i = 0; i < STREAMS; i++) {
        var stream = openStream("/streamTasks", email);
        assertThat(stream.statusCode()).isEqualTo(200);
        open.add(stream);
      }
      var refused = openStream("/streamTasks", email);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.body().findFirst().orElse("")).contains("at most " + STREAMS);
      assertThat(openStream("/streamTaskOutput?taskId=" + done, email).statusCode()).isEqualTo(429);
      var other = openStream("/streamTasks", "other-tabs@example.com");
      assertThat(other.statusCode()).isEqualTo(200);
      other.body().close();
      // Asked for as a plain page, a stream says how to ask for it, and holds no slot.
      for (int i = 0; i < 2 * STREAMS; i++) {
        var plain = get("/streamTasks", "plain@example.com");
        assertThat(plain.statusCode()).isEqualTo(406);
        assertThat(json(plain).get("error").asText()).contains("text/event-stream");
      }
      assertThat(openStream("/streamTasks", "plain@example.com").statusCode()).isEqualTo(200);
    } finally {
      open.forEach(r -> r.body().close());
    }
  }

  @Test
  void aTaskMayNameACallbackUrlAndItsOwnerGetsTheSecretThatSignsIt() throws Exception {
    String email = "hooked@example.com";
    var created =
        create(
            "{\"url\": \"http://127.0.0.1/r.git\", \"callbackUrl\": \"http://127.0.0.1:9/h\"}",
            email);
    assertThat(created.statusCode()).isEqualTo(201);
    String id = json(created).get("taskId").asText();
    assertThat(json(get("/getTaskStatus?taskId=" + id, email)).get("callbackUrl").asText())
        .isEqualTo("http://127.0.0.1:9/h");
    var bad =
        create(
            "{\"url\": \"http://127.0.0.1/r.git\", \"callbackUrl\": \"file:///etc/passwd\"}",
            email);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("error").asText()).contains("callbackUrl", "scheme");
    assertThat(
            create("{\"url\": \"http://127.0.0.1/r.git\", \"callbackUrl\": 7}", email).statusCode())
        .isEqualTo(400);

    var secret = get("/getCallbackSecret", email);
    assertThat(secret.statusCode()).isEqualTo(200);
    assertThat(secret.headers().firstValue("Cache-Control")).contains("no-store");
    assertThat(json(secret).get("secret").asText())
        .matches("[0-9a-f]{64}")
        .isEqualTo(new io.gitfaas.callback.CallbackSigner(CALLBACK_KEY).secretOf(email))
        .isNotEqualTo(json(get("/getCallbackSecret", "other@example.com")).get("secret").asText());
    assertThat(json(secret).get("header").asText()).isEqualTo("X-Gitfaas-Signature");
  }

  @Test
  void everyCallHasARequestIdThatTheTaskKeepsAndAnAccessLine() throws Exception {
    var access =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("access");
    access.start();
    logger.addAppender(access);
    try {
      String email = "traced@example.com";
      var created = create(VALID, email);
      String id = created.headers().firstValue("X-Request-Id").orElseThrow();
      String taskId = json(created).get("taskId").asText();
      assertThat(json(get("/getTaskStatus?taskId=" + taskId, email)).get("requestId").asText())
          .isEqualTo(id);
      // The proxy's id is kept when it is a plausible one, and replaced when it is not.
      var given =
          postAs(email, "/createTask", "application/json", VALID, "X-Request-Id", "proxy-7f3a");
      assertThat(given.headers().firstValue("X-Request-Id")).contains("proxy-7f3a");
      var odd =
          postAs(
              email, "/createTask", "application/json", VALID, "X-Request-Id", "a b\tc".repeat(30));
      assertThat(odd.headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f-]{36}");

      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(
              () ->
                  access.list.stream()
                      .anyMatch(e -> "proxy-7f3a".equals(e.getMDCPropertyMap().get("requestId"))));
      var line =
          access.list.stream()
              .filter(e -> "proxy-7f3a".equals(e.getMDCPropertyMap().get("requestId")))
              .findFirst()
              .orElseThrow();
      assertThat(line.getFormattedMessage()).matches("POST /createTask 201 \\d+ ms");
      assertThat(line.getMDCPropertyMap()).containsEntry("user", io.gitfaas.task.UserKey.of(email));
    } finally {
      logger.detachAppender(access);
    }
  }

  @Test
  void aWaitingTaskCancelledByItsOwnerNeverRunsAndFreesItsPlace() throws Exception {
    String email = "changed-mind@example.com";
    UUID id = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    assertThat(backend.admission().active(email)).contains(id);

    assertThat(postAs("stranger@example.com", "/cancelTask?taskId=" + id, null, "").statusCode())
        .isEqualTo(404);
    var cancelled = postAs(email, "/cancelTask?taskId=" + id, null, "");
    assertThat(cancelled.statusCode()).isEqualTo(202);
    assertThat(json(cancelled).get("status").asText()).isEqualTo("FINISHED_ERRORS");
    assertThat(json(cancelled).get("reason").asText()).isEqualTo("cancelled by its owner");
    assertThat(json(get("/getTaskStatus?taskId=" + id, email)).get("status").asText())
        .isEqualTo("FINISHED_ERRORS");
    assertThat(backend.admission().active(email)).doesNotContain(id);
    // Once it has ended there is nothing to cancel.
    var again = postAs(email, "/cancelTask?taskId=" + id, null, "");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(json(again).get("status").asText()).isEqualTo("FINISHED_ERRORS");
    assertThat(postAs(email, "/cancelTask?taskId=nope", null, "").statusCode()).isEqualTo(400);
  }

  @Test
  void aRunningTaskCancelledByItsOwnerIsStoppedByItsWorker() throws Exception {
    String email = "stop-it@example.com";
    UUID id = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    start(email, id);
    var heard = new java.util.concurrent.LinkedBlockingQueue<UUID>();
    try (AutoCloseable listening = backend.cancels().listen(heard::add)) {
      var cancelled = postAs(email, "/cancelTask?taskId=" + id, null, "");
      assertThat(cancelled.statusCode()).isEqualTo(202);
      // Still running: its worker, told, ends it.
      assertThat(json(cancelled).get("status").asText()).isEqualTo("EXECUTING");
      assertThat(heard.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(id);
    }
    assertThat(backend.admission().active(email)).doesNotContain(id);
  }

  @Test
  void aDeletedTaskIsGoneWithItsResult() throws Exception {
    String email = "tidy@example.com";
    UUID done = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    var executing = start(email, done);
    java.nio.file.Path zip = java.nio.file.Files.createTempFile("result", ".zip");
    try {
      java.nio.file.Files.write(zip, new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
      backend.results().put(email, done, 1, zip);
    } finally {
      java.nio.file.Files.delete(zip);
    }
    finish(email, executing, 14L);
    UUID waiting = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    var stream = openStream("/streamTasks", email);
    var lines = stream.body().iterator();
    eventsUntil(lines, "ready");

    assertThat(postAs("stranger@example.com", "/deleteTask?taskId=" + done, null, "").statusCode())
        .isEqualTo(404);
    assertThat(postAs(email, "/deleteTask?taskId=" + done, null, "").statusCode()).isEqualTo(204);
    assertThat(backend.results().size(email, done, 1)).isEmpty();
    assertThat(get("/getTaskStatus?taskId=" + done, email).statusCode()).isEqualTo(404);
    assertThat(eventsUntil(lines, "removed", done.toString())).isNotEmpty();
    // A task that has not ended is cancelled, then removed: it leaves the active tasks too.
    assertThat(postAs(email, "/deleteTask?taskId=" + waiting, null, "").statusCode())
        .isEqualTo(204);
    assertThat(backend.admission().active(email)).doesNotContain(waiting);
    assertThat(json(get("/getAllTasks", email)).get("tasks")).isEmpty();
    assertThat(postAs(email, "/deleteTask?taskId=" + done, null, "").statusCode()).isEqualTo(404);
    stream.body().close();
  }

  @Test
  void aThousandOpenStreamsTakeNoThreadEach() throws Exception {
    // Three streams per user (two task lists and a running task's output), 334 users.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    var pool = Executors.newFixedThreadPool(4);
    HttpClient client = HttpClient.newBuilder().executor(pool).build();
    List<HttpResponse<java.util.stream.Stream<String>>> open = new ArrayList<>();
    int before = 0;
    try {
      for (int u = 0; u < 334; u++) {
        String email = "crowd-" + u + "@example.com";
        UUID id = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
        start(email, id);
        for (String path :
            List.of("/streamTasks", "/streamTasks", "/streamTaskOutput?taskId=" + id)) {
          var stream = openStream(client, path, email);
          assertThat(stream.statusCode()).isEqualTo(200);
          open.add(stream);
          eventsUntil(stream.body().iterator(), "ready");
        }
        if (u == 0) {
          before = threads.getThreadCount(); // with the pools that start on first use started
        }
      }
      int during = threads.getThreadCount();
      System.out.printf(
          "%d event streams open: %d threads in this JVM, %d before the last %d opened%n",
          open.size(), during, before, open.size() - 3);
      assertThat(during - before).as("threads added for %d streams", open.size()).isLessThan(100);
    } finally {
      open.forEach(r -> r.body().close());
      pool.shutdownNow();
    }
  }

  @Test
  void aClientThatStopsReadingHoldsUpNoOtherStream() throws Exception {
    String stalledEmail = "stalled@example.com";
    String email = "reading@example.com";
    UUID stalled = UUID.fromString(json(create(VALID, stalledEmail)).get("taskId").asText());
    start(stalledEmail, stalled);
    UUID other = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    start(email, other);
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", app.port()));
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /streamTaskOutput?taskId="
                      + stalled
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                      + "Authorization: Bearer "
                      + token(stalledEmail)
                      + "\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()));
      for (String line = in.readLine(); !line.equals("event: ready"); line = in.readLine()) {
        assertThat(line).doesNotStartWith("HTTP/1.1 4");
      }
      // From here on nothing is read: far more output than any socket buffer holds. A write
      // that blocked on this reader would hold the others up until the server's idle timeout
      // (30 s) failed it; the bound below is well short of that, and far above the work.
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
          java.time.Duration.ofSeconds(15),
          () -> {
            String chunk = "x".repeat(64 * 1024);
            for (int i = 0; i < 200; i++) {
              publishOutput(stalledEmail, stalled, "stdout", chunk);
            }
            var stream = openStream("/streamTaskOutput?taskId=" + other, email);
            var lines = stream.body().iterator();
            eventsUntil(lines, "ready");
            publishOutput(email, other, "stdout", "still here");
            assertThat(eventsUntil(lines, "stdout")).last().asString().contains("still here");
            stream.body().close();
          });
      // The stalled stream was let go, and gave its owner's slot back.
      List<HttpResponse<java.util.stream.Stream<String>>> again = new ArrayList<>();
      try {
        while (again.size() < STREAMS) {
          var r = openStream("/streamTasks", stalledEmail);
          if (r.statusCode() == 200) {
            again.add(r);
          } else {
            assertThat(r.statusCode()).isEqualTo(429); // the release is on its way
            r.body().close();
            again.forEach(o -> o.body().close());
            again.clear();
          }
        }
      } finally {
        again.forEach(o -> o.body().close());
      }
    }
  }

  @Test
  void theTaskListComesInPagesNewestFirst() throws Exception {
    String email = "pages@example.com";
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(0, json(create(VALID, email)).get("taskId").asText());
    }
    var whole = json(get("/getAllTasks", email));
    assertThat(whole.get("next").isNull()).isTrue();
    List<String> seen = new ArrayList<>();
    List<Instant> times = new ArrayList<>();
    whole
        .get("tasks")
        .forEach(
            t -> {
              seen.add(t.get("taskId").asText());
              times.add(Instant.parse(t.get("createdAt").asText()));
            });
    assertThat(seen).containsExactlyInAnyOrderElementsOf(created);
    assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());

    List<String> paged = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String cursor = null;
    do {
      var page =
          json(get("/getAllTasks?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), email));
      sizes.add(page.get("tasks").size());
      page.get("tasks").forEach(t -> paged.add(t.get("taskId").asText()));
      cursor = page.get("next").isNull() ? null : page.get("next").asText();
    } while (cursor != null);
    assertThat(sizes).containsExactly(2, 2, 1);
    assertThat(paged).containsExactlyElementsOf(seen);

    for (String bad : List.of("limit=0", "limit=1001", "limit=many", "cursor=nonsense")) {
      var r = get("/getAllTasks?" + bad, email);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(json(r).get("error").asText()).as(bad).isNotBlank();
    }
  }

  @Test
  void aUserWhoseResultsFillTheQuotaGets429UntilTheyExpire() throws Exception {
    String email = "hoarder@example.com";
    UUID id = UUID.fromString(json(create(VALID, email)).get("taskId").asText());
    finish(email, start(email, id), 1L << 20);
    var refused = create(VALID, email);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(json(refused).get("error").asText()).contains("USER_RESULT_QUOTA");
    assertThat(create(VALID, "modest@example.com").statusCode()).isEqualTo(201);
  }
}
