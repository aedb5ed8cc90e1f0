package io.gitfaas.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gitfaas.http.JdkHttpServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * A real smart-HTTP Git server on loopback: git's own {@code git http-backend} run as CGI behind
 * the JDK's HTTP server, serving bare repositories that tests create from file maps.
 */
public final class GitHttpServer implements AutoCloseable {
  private final Path root;
  private final HttpServer server;
  private final Map<String, String> redirects = new ConcurrentHashMap<>();
  // Appended at every request (a benchmark makes thousands): not a copy-on-write list.
  private final List<String> requests =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  public GitHttpServer() {
    try {
      root = Files.createTempDirectory("gitfaas-git-");
      server =
          JdkHttpServers.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Creates a bare repository {@code name.git} holding one commit of the files; returns its URL.
   */
  public String createRepo(String name, Map<String, String> files) {
    return createRepo(name, files, List.of());
  }

  /** As above; {@code executables} are paths to mark executable. */
  public String createRepo(String name, Map<String, String> files, List<String> executables) {
    return createRepo(name, files, executables, Map.of());
  }

  /** As above, with symbolic links: path in the repository to link target. */
  public String createRepo(
      String name, Map<String, String> files, List<String> executables, Map<String, String> links) {
    return createRepoOf(name, utf8(files), executables, links);
  }

  /** A repository of files given as bytes (class files, archives). */
  public String createRepoOfBytes(String name, Map<String, byte[]> files) {
    return createRepoOf(name, files, List.of(), Map.of());
  }

  private static Map<String, byte[]> utf8(Map<String, String> files) {
    Map<String, byte[]> bytes = new java.util.HashMap<>();
    files.forEach((path, text) -> bytes.put(path, text.getBytes(StandardCharsets.UTF_8)));
    return bytes;
  }

  private String createRepoOf(
      String name, Map<String, byte[]> files, List<String> executables, Map<String, String> links) {
    try {
      Path bare = root.resolve(name + ".git");
      Path work = Files.createTempDirectory("gitfaas-src-");
      git(work, "init", "-q", "-b", "main");
      commit(work, files, links, executables, "fixture");
      git(root, "clone", "-q", "--bare", work.toString(), bare.toString());
      git(bare, "config", "uploadpack.allowReachableSHA1InWant", "true");
      TempDirs.deleteQuietly(work);
      return baseUrl() + "/" + name + ".git";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds a tree with an inserter and returns its id. */
  public interface TreeMaker {
    ObjectId make(ObjectInserter inserter) throws IOException;
  }

  /**
   * Creates {@code name.git} holding one commit of the tree {@code tree} makes: for trees that cost
   * little to store and much to check out (one blob under many names, one subtree many times),
   * which a work tree cannot make cheaply.
   */
  public String createRepoFromTree(String name, TreeMaker tree) {
    Path bare = root.resolve(name + ".git");
    try (Repository repo = new FileRepositoryBuilder().setGitDir(bare.toFile()).setBare().build()) {
      repo.create(true);
      try (ObjectInserter inserter = repo.newObjectInserter()) {
        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(tree.make(inserter));
        PersonIdent who = new PersonIdent("test", "test@example.com");
        commit.setAuthor(who);
        commit.setCommitter(who);
        commit.setMessage("fixture");
        ObjectId id = inserter.insert(commit);
        inserter.flush();
        RefUpdate main = repo.updateRef("refs/heads/main");
        main.setNewObjectId(id);
        main.forceUpdate();
        repo.updateRef(Constants.HEAD).link("refs/heads/main");
      }
      git(bare, "config", "uploadpack.allowReachableSHA1InWant", "true");
      return baseUrl() + "/" + name + ".git";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds a commit to {@code name.git}'s default branch that writes {@code files}. */
  public void commit(String name, Map<String, String> files) {
    try {
      Path bare = root.resolve(name + ".git");
      Path work = Files.createTempDirectory("gitfaas-src-");
      git(root, "clone", "-q", bare.toString(), work.toString());
      commit(work, utf8(files), Map.of(), List.of(), "change");
      git(work, "push", "-q", "origin", "HEAD");
      TempDirs.deleteQuietly(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes files and links into the work tree {@code work} and commits everything there. */
  private void commit(
      Path work,
      Map<String, byte[]> files,
      Map<String, String> links,
      List<String> executables,
      String message)
      throws IOException {
    for (var file : files.entrySet()) {
      Path path = work.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.write(path, file.getValue());
    }
    for (var link : links.entrySet()) {
      Files.createSymbolicLink(work.resolve(link.getKey()), Path.of(link.getValue()));
    }
    git(work, "add", "-A");
    for (String exe : executables) {
      git(work, "update-index", "--chmod=+x", exe);
    }
    git(
        work,
        "-c",
        "user.name=test",
        "-c",
        "user.email=test@example.com",
        "commit",
        "-q",
        "-m",
        message);
  }

  /** Tags the head of {@code name.git}'s default branch with an annotated tag. */
  public void tag(String name, String tag, String message) {
    try {
      git(
          root.resolve(name + ".git"),
          "-c",
          "user.name=test",
          "-c",
          "user.email=test@example.com",
          "tag",
          "-a",
          tag,
          "-m",
          message);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Requests under {@code fromPath} get a 302 to {@code location}. */
  public String redirect(String fromPath, String location) {
    redirects.put(fromPath, location);
    return baseUrl() + fromPath;
  }

  /** The requests served so far, in order, each as its method and path ("GET /a.git/info/refs"). */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The requests served so far for the repository {@code name.git}. */
  public List<String> requests(String name) {
    return requests().stream().filter(r -> r.contains(" /" + name + ".git/")).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      requests.add(exchange.getRequestMethod() + " " + path);
      for (var r : redirects.entrySet()) {
        if (path.startsWith(r.getKey())) {
          String rest = path.substring(r.getKey().length());
          String query = exchange.getRequestURI().getRawQuery();
          exchange
              .getResponseHeaders()
              .add("Location", r.getValue() + rest + (query == null ? "" : "?" + query));
          exchange.sendResponseHeaders(302, -1);
          return;
        }
      }
      cgi(exchange, path);
    }
  }

  private void cgi(HttpExchange exchange, String path) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    ProcessBuilder pb = new ProcessBuilder("git", "http-backend");
    Map<String, String> env = pb.environment();
    env.put("GIT_PROJECT_ROOT", root.toString());
    env.put("GIT_HTTP_EXPORT_ALL", "1");
    env.put("PATH_INFO", path);
    env.put("REQUEST_METHOD", exchange.getRequestMethod());
    env.put(
        "QUERY_STRING",
        exchange.getRequestURI().getRawQuery() == null
            ? ""
            : exchange.getRequestURI().getRawQuery());
    env.put("CONTENT_LENGTH", Integer.toString(body.length));
    env.put("REMOTE_ADDR", "127.0.0.1");
    copyHeader(exchange, env, "Content-Type", "CONTENT_TYPE");
    copyHeader(exchange, env, "Content-Encoding", "HTTP_CONTENT_ENCODING");
    copyHeader(exchange, env, "Git-Protocol", "HTTP_GIT_PROTOCOL");
    Process process = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(body);
    }
    try (InputStream out = process.getInputStream()) {
      int status = 200;
      for (String line = readLine(out); !line.isEmpty(); line = readLine(out)) {
        int colon = line.indexOf(':');
        String name = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("Status")) {
          status = Integer.parseInt(value.substring(0, 3));
        } else {
          exchange.getResponseHeaders().add(name, value);
        }
      }
      exchange.sendResponseHeaders(status, 0);
      out.transferTo(exchange.getResponseBody());
    }
  }

  private static void copyHeader(HttpExchange ex, Map<String, String> env, String h, String v) {
    String value = ex.getRequestHeaders().getFirst(h);
    if (value != null) {
      env.put(v, value);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        line.write(c);
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  private static void git(Path dir, String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("git " + String.join(" ", args) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    TempDirs.deleteQuietly(root);
  }
}
