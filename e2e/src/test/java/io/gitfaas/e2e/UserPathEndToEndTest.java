package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.testkit.GoRepos;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.junit.jupiter.api.Test;

/**
 * As a user would: sign in at the identity provider through oauth2-proxy, submit a Go repository,
 * watch its status, download the zip, list tasks; and as another user, see none of it.
 */
class UserPathEndToEndTest extends OneWorkerStack {
  @Test
  void signInSubmitPollDownloadList() throws Exception {
    var anonymous = new ApiClient(stack.baseUrl(), null);
    var noCookie = anonymous.get("/getAllTasks");
    assertThat(noCookie.statusCode()).isEqualTo(401);
    assertThat(anonymous.get("/healthz").statusCode()).isEqualTo(200);

    var alice = new ApiClient(stack.baseUrl(), stack.login("alice@example.com"));
    JsonNode me = alice.json(alice.get("/whoami"));
    assertThat(me.get("email").asText()).isEqualTo("alice@example.com");

    String url = stack.git.createRepo("hello", GoRepos.hello());
    // Once cold (first build of this commit for alice), then warm.
    for (String run : new String[] {"cold", "warm"}) {
      long start = System.nanoTime();
      String id = alice.createTask(url, "one", "two words");
      Set<String> seen = ConcurrentHashMap.newKeySet();
      JsonNode done =
          await()
              .atMost(Duration.ofMinutes(3))
              .pollInterval(Duration.ofMillis(50))
              .until(
                  () -> {
                    JsonNode s = alice.status(id);
                    seen.add(s.get("status").asText());
                    return s;
                  },
                  s -> s.get("code").asInt() >= 300);
      long millis = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("e2e hello-world (%s): createTask to FINISHED in %d ms%n", run, millis);
      assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("FINISHED");
      assertThat(done.get("exitCode").asInt()).isZero();
      assertThat(seen).contains("FINISHED");

      var result = alice.get("/getTaskResult?taskId=" + id);
      assertThat(result.statusCode()).isEqualTo(200);
      assertThat(result.headers().firstValue("Content-Type")).hasValue("application/zip");
      assertThat(result.headers().firstValue("Content-Disposition").orElseThrow())
          .contains(id + ".zip");
      Map<String, String> zip = unzip(result.body());
      assertThat(zip.get("stdout.txt")).isEqualTo("hello one|two words\n");
      assertThat(zip).containsKeys("stderr.txt", "result.json", "build.log");

      JsonNode all = alice.json(alice.get("/getAllTasks")).get("tasks");
      assertThat(all.get(0).get("taskId").asText()).isEqualTo(id);

      var bob = new ApiClient(stack.baseUrl(), stack.login("bob@example.com"));
      assertThat(bob.get("/getTaskStatus?taskId=" + id).statusCode()).isEqualTo(404);
      assertThat(bob.get("/getTaskResult?taskId=" + id).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void anotherSiteCannotUseTheSessionCookie() throws Exception {
    var victim = new ApiClient(stack.baseUrl(), stack.login("victim@example.com"));
    String body = "{\"url\": \"" + stack.git.createRepo("csrf", GoRepos.hello()) + "\"}";
    var form = victim.postFrom("https://attacker.example", "/createTask", "text/plain", body);
    assertThat(form.statusCode()).isEqualTo(403);
    var json = victim.postFrom("https://attacker.example", "/createTask", "application/json", body);
    assertThat(json.statusCode()).isEqualTo(403);
    assertThat(victim.json(victim.get("/getAllTasks")).get("tasks")).isEmpty();
    // Browsers do not send the session cookie along with another site's POST at all.
    var start =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/oauth2/start?rd=%2F"))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
    assertThat(start.headers().allValues("Set-Cookie"))
        .isNotEmpty()
        .allMatch(c -> c.contains("SameSite=Lax"));
  }

  @Test
  void resultOfAnUnfinishedTaskIs409() throws Exception {
    var carol = new ApiClient(stack.baseUrl(), stack.login("carol@example.com"));
    String id = carol.createTask(stack.git.createRepo("slow", GoRepos.sleeper("3s")));
    var early = carol.get("/getTaskResult?taskId=" + id);
    assertThat(early.statusCode()).isEqualTo(409);
    assertThat(carol.json(early).get("status").asText()).isIn("PENDING", "EXECUTING");
  }

  @Test
  void javaAndRustRepositoriesRun() throws Exception {
    var dana = new ApiClient(stack.baseUrl(), stack.login("dana@example.com"));
    String main =
        "public static void main(String[] a) { System.out.println(\"hi \" + String.join(\",\", a)); }";
    String maven =
        stack.git.createRepo(
            "e2e-maven",
            Map.of(
                "pom.xml",
                "<project><modelVersion>4.0.0</modelVersion><groupId>t</groupId>"
                    + "<artifactId>app</artifactId><version>1</version><properties>"
                    + "<maven.compiler.source>17</maven.compiler.source>"
                    + "<maven.compiler.target>17</maven.compiler.target></properties></project>\n",
                "src/main/java/Main.java",
                "public class Main { " + main + " }\n"));
    String single =
        stack.git.createRepo("e2e-java", Map.of("Main.java", "class Main { " + main + " }\n"));
    String rust =
        stack.git.createRepo(
            "e2e-rust",
            Map.of(
                "Cargo.toml",
                "[package]\nname = \"hi\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                "src/main.rs",
                "fn main() { let a: Vec<String> = std::env::args().skip(1).collect();"
                    + " println!(\"hi {}\", a.join(\",\")); }\n"));
    Map<String, String> ids = new HashMap<>();
    for (String url : java.util.List.of(maven, single, rust)) {
      ids.put(url, dana.createTask(url, "x", "y z"));
    }
    for (var task : ids.entrySet()) {
      JsonNode done =
          await()
              .atMost(Duration.ofMinutes(2))
              .pollInterval(Duration.ofMillis(200))
              .until(() -> dana.status(task.getValue()), s -> s.get("code").asInt() >= 300);
      assertThat(done.get("status").asText()).as(task.getKey() + ": " + done).isEqualTo("FINISHED");
      var out = dana.json(dana.get("/getTaskOutput?taskId=" + task.getValue()));
      assertThat(out.get("text").asText()).as(task.getKey()).isEqualTo("hi x,y z\n");
    }
  }

  @Test
  void anEndedTaskCallsItsOwnersReceiverBackSigned() throws Exception {
    var erin = new ApiClient(stack.baseUrl(), stack.login("erin@example.com"));
    var received = new java.util.concurrent.LinkedBlockingQueue<String[]>();
    var receiver =
        io.gitfaas.http.JdkHttpServers.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/done",
        exchange -> {
          received.add(
              new String[] {
                exchange.getRequestHeaders().getFirst("X-Gitfaas-Signature"),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
              });
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
    try {
      String url = stack.git.createRepo("callback", GoRepos.hello());
      String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/done";
      var created =
          erin.post("/createTask", "{\"url\": \"" + url + "\", \"callbackUrl\": \"" + hook + "\"}");
      assertThat(created.statusCode()).isEqualTo(201);
      String id = erin.json(created).get("taskId").asText();
      // The request's id, through oauth2-proxy, names the task's lines on its worker too.
      String requestId = created.headers().firstValue("X-Request-Id").orElseThrow();

      String[] call = received.poll(2, java.util.concurrent.TimeUnit.MINUTES);
      assertThat(call).as("the callback arrived").isNotNull();
      JsonNode record = io.gitfaas.json.Json.MAPPER.readTree(call[1]);
      assertThat(record.get("taskId").asText()).isEqualTo(id);
      assertThat(record.get("status").asText()).isEqualTo("FINISHED");
      assertThat(record.get("requestId").asText()).isEqualTo(requestId);
      assertThat(stack.log("worker-0.log"))
          .containsPattern(
              "requestId=" + java.util.regex.Pattern.quote(requestId) + ".*taskId=" + id);
      String secret = erin.json(erin.get("/getCallbackSecret")).get("secret").asText();
      long t = Long.parseLong(call[0].substring(2, call[0].indexOf(',')));
      assertThat(call[0])
          .endsWith(
              ",v1="
                  + io.gitfaas.callback.CallbackSigner.signature(
                      secret, t, call[1].getBytes(StandardCharsets.UTF_8)));
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void aScriptSignsInWithABearerIdTokenInsteadOfACookie() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    // As a script gets it: scripts/login.sh --token, from the provider itself.
    String token = stack.loginToken("frank@example.com");
    var whoami =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/whoami"))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(whoami.statusCode()).as(whoami.body()).isEqualTo(200);
    assertThat(whoami.body()).contains("frank@example.com");
    var created =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/createTask"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"url\": \"" + stack.git.createRepo("bearer", GoRepos.hello()) + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    // A token whose signature does not verify is refused, by the proxy and the frontend alike.
    String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA";
    var refused =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/whoami"))
                .header("Authorization", "Bearer " + forged)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(401);
  }

  @Test
  void aSessionSplitIntoPartsWorksWhereverACookieIsUsed() throws Exception {
    // A long address (random, as oauth2-proxy compresses its sessions) makes a session cookie it
    // splits into _oauth2_proxy_0, _1, ...
    var random = new java.util.Random(7);
    StringBuilder local = new StringBuilder();
    for (int i = 0; i < 4000; i++) {
      local.append((char) ('a' + random.nextInt(26)));
    }
    String email = local + "@example.com";
    String header = stack.login(email);
    assertThat(header).startsWith("_oauth2_proxy_0=").contains("; _oauth2_proxy_1=");
    var whoami = getWithCookieHeader("/whoami", header);
    assertThat(whoami.statusCode()).as(whoami.body()).isEqualTo(200);
    assertThat(whoami.body()).contains(email);
    // The session cookie route hands every part back as one header, the form scripts take.
    var session = getWithCookieHeader("/getSessionCookie", header);
    assertThat(io.gitfaas.json.Json.MAPPER.readTree(session.body()).get("header").asText())
        .isEqualTo(header);
    // The command line takes the whole header from its cookie file.
    java.nio.file.Path cookieFile = java.nio.file.Files.createTempFile("cookie", "");
    java.nio.file.Files.writeString(cookieFile, header + "\n");
    var cli =
        new ProcessBuilder(stack.root.resolve("scripts/gitfaas").toString(), "list")
            .redirectErrorStream(true);
    cli.environment().put("GITFAAS_URL", stack.baseUrl());
    cli.environment().remove("GITFAAS_TOKEN");
    cli.environment().put("GITFAAS_COOKIE_FILE", cookieFile.toString());
    Process p = cli.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
  }

  static Map<String, String> unzip(byte[] bytes) throws Exception {
    Map<String, String> out = new HashMap<>();
    try (var in = new ZipArchiveInputStream(new ByteArrayInputStream(bytes))) {
      for (ZipArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** A GET with a whole Cookie header, as a script sends a session split into parts. */
  static HttpResponse<String> getWithCookieHeader(String path, String header) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + path))
                .header("Cookie", header)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
