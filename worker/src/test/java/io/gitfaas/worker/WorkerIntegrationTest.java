package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskStatus;
import io.gitfaas.testkit.GitHttpServer;
import io.gitfaas.testkit.GoRepos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker against real nats-server, real bubblewrap, real Go and a real Git HTTP server. */
class WorkerIntegrationTest {
  static final String USER = "worker-test@example.com";
  static WorkerHarness harness;
  static GitHttpServer git;

  @BeforeAll
  static void start() throws Exception {
    harness =
        new WorkerHarness(
            Map.of("TASK_RUN_TIMEOUT", "3s", "WORKER_CONCURRENCY", "2", "BUILD_NETWORK", "off"));
    git = harness.git;
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      // Every task has ended: none may have left its workspace behind.
      harness.awaitNoWorkspaceLeft();
    } finally {
      harness.close(); // its nats-server and worker go, whatever the check found
    }
  }

  static TaskRecord runToEnd(String url, List<String> parameters) {
    return harness.runToEnd(USER, url, null, parameters);
  }

  static TaskRecord runToEnd(String url, String ref, List<String> parameters) {
    return harness.runToEnd(USER, url, ref, parameters);
  }

  static Map<String, byte[]> zip(TaskRecord record) throws IOException {
    return harness.zip(USER, record);
  }

  static String text(Map<String, byte[]> zip, String name) {
    return WorkerHarness.text(zip, name);
  }

  @Test
  void helloWorldWithParametersFinishes() throws Exception {
    String url = git.createRepo("hello", GoRepos.hello());
    List<String> params = List.of("a b", "$(id)", "--flag", "line1\nline2", "'quoted'");
    TaskRecord done = runToEnd(url, params);

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED);
    assertThat(done.exitCode()).isZero();
    assertThat(done.startedAt()).isNotNull();
    Map<String, byte[]> zip = zip(done);
    assertThat(text(zip, "stdout.txt")).isEqualTo("hello " + String.join("|", params) + "\n");
    assertThat(text(zip, "stderr.txt")).isEqualTo("to stderr\n");
    assertThat(zip).containsKeys("result.json", "build.log");
    assertThat(text(zip, "result.json"))
        .contains(
            "\"status\":\"FINISHED\"",
            "\"runtime\":\"go\"",
            "\"clone\"",
            "\"build\"",
            "\"run\"",
            "\"queued\"");
  }

  @Test
  void outputFilesAreZippedWithoutFollowingLinks() throws Exception {
    String url =
        git.createRepo(
            "outputs",
            GoRepos.program(
                "\tdir := os.Getenv(\"OUTPUT_DIR\")\n"
                    + "\tos.MkdirAll(filepath.Join(dir, \"sub\"), 0o755)\n"
                    + "\tos.WriteFile(filepath.Join(dir, \"sub\", \"data.txt\"), []byte(\"42\"), 0o644)\n"
                    + "\tos.Symlink(\"/etc/passwd\", filepath.Join(dir, \"passwd\"))\n"
                    + "\tif err := os.WriteFile(\"/usr/evil\", []byte(\"x\"), 0o644); err == nil {"
                    + " os.Exit(9) }",
                "os",
                "path/filepath"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).as(done.reason()).isEqualTo(TaskStatus.FINISHED);
    Map<String, byte[]> zip = zip(done);
    assertThat(text(zip, "output/sub/data.txt")).isEqualTo("42");
    assertThat(zip).doesNotContainKey("output/passwd");
  }

  @Test
  void buildErrorIsTheTasksFault() throws Exception {
    String url =
        git.createRepo(
            "broken", Map.of("go.mod", GoRepos.GO_MOD, "main.go", "package main\nfunc main() {"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(done.reason()).startsWith("build failed (go build)");
    assertThat(text(zip(done), "build.log")).contains("main.go");
  }

  @Test
  void nonZeroExitIsReported() throws Exception {
    String url = git.createRepo("exit3", GoRepos.program("\tos.Exit(3)", "os"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(done.exitCode()).isEqualTo(3);
    assertThat(done.reason()).isEqualTo("exited with code 3");
  }

  @Test
  void endlessLoopIsKilledAtTheLimit() throws Exception {
    String url = git.createRepo("loop", GoRepos.program("\tfor {\n\t}"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(done.reason()).isEqualTo("killed after 3 s (TASK_RUN_TIMEOUT)");
    assertThat(text(zip(done), "result.json")).contains("\"limitHit\":\"TASK_RUN_TIMEOUT\"");
  }

  @Test
  void childrenThatOutliveTheProgramAreKilled() throws Exception {
    String marker = "4" + (System.nanoTime() % 100_000 + 100_000);
    String url =
        git.createRepo(
            "orphans",
            GoRepos.program(
                "\tcmd := exec.Command(\"/bin/sleep\", \""
                    + marker
                    + "\")\n"
                    + "\tcmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}\n"
                    + "\tif err := cmd.Start(); err != nil { panic(err) }\n"
                    + "\tfmt.Println(\"started\", cmd.Process.Pid)",
                "fmt",
                "os/exec",
                "syscall"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).as(done.reason()).isEqualTo(TaskStatus.FINISHED);
    assertThat(text(zip(done), "stdout.txt")).startsWith("started");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !WorkerHarness.processWithArgumentExists(marker));
  }

  @Test
  void repositoryWithoutARuntimeSaysWhatIsSupported() throws Exception {
    String url = git.createRepo("readme-only", Map.of("README.md", "nothing to run"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(done.reason())
        .contains(
            "no supported runtime",
            "Go (go.mod or main.go)",
            "Python",
            "Node.js",
            "shell (run.sh)");
  }

  @Test
  void unknownBranchIsACloneError() throws Exception {
    String url = git.createRepo("branches", GoRepos.hello());
    TaskRecord done = runToEnd(url, "no-such-branch", List.of());

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(done.reason()).startsWith("clone failed").contains("no-such-branch");
  }

  @Test
  void dependenciesNeedTheBuildNetwork() throws Exception {
    String url =
        git.createRepo(
            "deps",
            Map.of(
                "go.mod",
                GoRepos.GO_MOD + "\nrequire golang.org/x/text v0.14.0\n",
                "main.go",
                "package main\nfunc main() {}\n"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(done.reason()).contains("go mod download", "BUILD_NETWORK=off");
  }

  @Test
  void pythonNodeAndShellRunWithTheirParameters() throws Exception {
    List<String> params = List.of("a b", "--x", "$(id)");
    String py =
        git.createRepo("py", Map.of("main.py", "import sys\nprint('|'.join(sys.argv[1:]))\n"));
    String indexJs =
        git.createRepo("js", Map.of("index.js", "console.log(process.argv.slice(2).join('|'))\n"));
    String npmStart =
        git.createRepo(
            "npm",
            Map.of(
                "package.json",
                "{\"name\": \"t\", \"version\": \"1.0.0\", \"scripts\": {\"start\": \"node app.js\"}}",
                "app.js",
                "console.log(process.argv.slice(2).join('|'))\n"));
    String sh = git.createRepo("sh", Map.of("run.sh", "IFS='|'; echo \"$*\"\n"));
    for (String url : List.of(py, indexJs, npmStart, sh)) {
      TaskRecord done = runToEnd(url, params);
      assertThat(done.status()).as(url + ": " + done.reason()).isEqualTo(TaskStatus.FINISHED);
      assertThat(text(zip(done), "stdout.txt")).as(url).isEqualTo("a b|--x|$(id)\n");
    }
  }

  static final String JAVA_ARGS =
      "public static void main(String[] a) { System.out.println(String.join(\"|\", a)); }";

  @Test
  void javaAndRustRunWithTheirParameters() throws Exception {
    List<String> params = List.of("a b", "--x", "$(id)");
    String single =
        git.createRepo(
            "java-single", Map.of("Main.java", "public class Main { " + JAVA_ARGS + " }\n"));
    // No dependencies and no plugins: it builds from the Maven seed, with no network.
    String maven =
        git.createRepo(
            "java-maven",
            Map.of(
                "pom.xml",
                "<project><modelVersion>4.0.0</modelVersion><groupId>t</groupId>"
                    + "<artifactId>app</artifactId><version>1</version><properties>"
                    + "<maven.compiler.source>17</maven.compiler.source>"
                    + "<maven.compiler.target>17</maven.compiler.target>"
                    + "<exec.mainClass>demo.App</exec.mainClass></properties></project>\n",
                "src/main/java/demo/App.java",
                "package demo;\npublic class App { " + JAVA_ARGS + " }\n"));
    String rust =
        git.createRepo(
            "rust",
            Map.of(
                "Cargo.toml",
                "[package]\nname = \"hello-rs\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                    + "[dependencies]\n",
                "src/main.rs",
                "fn main() {\n  let a: Vec<String> = std::env::args().skip(1).collect();\n"
                    + "  println!(\"{}\", a.join(\"|\"));\n}\n"));
    for (String url : List.of(single, maven, rust)) {
      TaskRecord done = runToEnd(url, params);
      Map<String, byte[]> zip = zip(done);
      assertThat(done.status())
          .as(
              url
                  + ": "
                  + done.reason()
                  + "\n"
                  + new String(zip.getOrDefault("build.log", new byte[0])))
          .isEqualTo(TaskStatus.FINISHED);
      assertThat(text(zip, "stdout.txt")).as(url).isEqualTo("a b|--x|$(id)\n");
      System.out.printf("%s: %s%n", url, text(zip, "result.json").replaceAll("\\s+", " "));
    }
  }

  @Test
  void aBuildScriptFindsNoNetworkAndNoHostFiles() throws Exception {
    // build.rs runs the repository's code at build time: offline, in the sandbox.
    String url =
        git.createRepo(
            "rust-build-script",
            Map.of(
                "Cargo.toml",
                "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                "build.rs",
                "use std::net::TcpStream;\nfn main() {\n"
                    + "  let net = if TcpStream::connect(\"1.1.1.1:443\").is_ok() { \"open\" } else"
                    + " { \"blocked\" };\n"
                    + "  let nats = if TcpStream::connect(\"127.0.0.1:4222\").is_ok() { \"open\" }"
                    + " else { \"blocked\" };\n"
                    + "  let shadow = if std::fs::read(\"/etc/shadow\").is_ok() { \"read\" } else"
                    + " { \"hidden\" };\n"
                    + "  let proxy = std::env::var(\"HTTPS_PROXY\").unwrap_or_default();\n"
                    + "  println!(\"cargo:rustc-env=SEEN=net={} nats={} shadow={} proxy=[{}]\","
                    + " net, nats, shadow, proxy);\n}\n",
                "src/main.rs",
                "fn main() { println!(\"{}\", env!(\"SEEN\")); }\n"));
    TaskRecord done = runToEnd(url, List.of());
    Map<String, byte[]> zip = zip(done);

    assertThat(done.status()).as(text(zip, "build.log")).isEqualTo(TaskStatus.FINISHED);
    assertThat(text(zip, "stdout.txt"))
        .isEqualTo("net=blocked nats=blocked shadow=hidden proxy=[]\n");
  }

  /** An annotation processor that looks for a way out and leaves what it saw in a class. */
  static final String PROBE =
      "import javax.annotation.processing.*;\n"
          + "import javax.lang.model.SourceVersion;\n"
          + "import javax.lang.model.element.TypeElement;\n"
          + "import java.util.Set;\n"
          + "public class Probe extends AbstractProcessor {\n"
          + "  boolean done;\n"
          + "  static String tryConnect(String host, int port) {\n"
          + "    try (var s = new java.net.Socket()) {\n"
          + "      s.connect(new java.net.InetSocketAddress(host, port), 2000); return \"open\";\n"
          + "    } catch (Exception e) { return \"blocked\"; }\n"
          + "  }\n"
          + "  public Set<String> getSupportedAnnotationTypes() { return Set.of(\"*\"); }\n"
          + "  public SourceVersion getSupportedSourceVersion() { return SourceVersion.latest(); }\n"
          + "  public boolean process(Set<? extends TypeElement> a, RoundEnvironment r) {\n"
          + "    if (done) return false;\n"
          + "    done = true;\n"
          + "    String shadow = java.nio.file.Files.isReadable(java.nio.file.Path.of(\"/etc/shadow\"))"
          + " ? \"read\" : \"hidden\";\n"
          + "    String seen = \"net=\" + tryConnect(\"1.1.1.1\", 443) + \" nats=\""
          + " + tryConnect(\"127.0.0.1\", 4222) + \" shadow=\" + shadow;\n"
          + "    try (var w = processingEnv.getFiler().createSourceFile(\"Seen\").openWriter()) {\n"
          + "      w.write(\"public class Seen { public static final String SEEN = \\\"\" + seen"
          + " + \"\\\"; }\");\n"
          + "    } catch (java.io.IOException e) { throw new RuntimeException(e); }\n"
          + "    return false;\n"
          + "  }\n"
          + "}\n";

  @Test
  void repositoryCodeInAMavenBuildFindsNoNetworkAndNoHostFiles() throws Exception {
    // javac runs the annotation processors it finds on the class path, and Maven puts the
    // project's own resources there first: a class file in the repository runs in the build.
    Path dir = Files.createTempDirectory("probe");
    Files.writeString(dir.resolve("Probe.java"), PROBE);
    int compiled =
        javax.tools.ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                null,
                null,
                "--release",
                "17",
                "-d",
                dir.toString(),
                dir.resolve("Probe.java").toString());
    assertThat(compiled).isZero();
    String url =
        git.createRepoOfBytes(
            "java-build-probe",
            Map.of(
                "pom.xml",
                ("<project><modelVersion>4.0.0</modelVersion><groupId>t</groupId>"
                        + "<artifactId>probe</artifactId><version>1</version><properties>"
                        + "<maven.compiler.source>17</maven.compiler.source>"
                        + "<maven.compiler.target>17</maven.compiler.target></properties></project>\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "src/main/resources/Probe.class",
                Files.readAllBytes(dir.resolve("Probe.class")),
                "src/main/resources/META-INF/services/javax.annotation.processing.Processor",
                "Probe\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "src/main/java/Main.java",
                "public class Main { public static void main(String[] a) { System.out.println(Seen.SEEN); } }\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    TaskRecord done = runToEnd(url, List.of());
    Map<String, byte[]> zip = zip(done);

    assertThat(done.status()).as(text(zip, "build.log")).isEqualTo(TaskStatus.FINISHED);
    assertThat(text(zip, "stdout.txt")).isEqualTo("net=blocked nats=blocked shadow=hidden\n");
  }

  @Test
  void aPomThatNamesItsOwnRepositoryIsRefused() throws Exception {
    String url =
        git.createRepo(
            "java-foreign-repo",
            Map.of(
                "pom.xml",
                "<project><modelVersion>4.0.0</modelVersion><groupId>t</groupId>"
                    + "<artifactId>app</artifactId><version>1</version><repositories><repository>"
                    + "<id>mine</id><url>http://127.0.0.1:4222/</url></repository></repositories>"
                    + "</project>\n",
                "src/main/java/Main.java",
                "public class Main { " + JAVA_ARGS + " }\n"));
    TaskRecord done = runToEnd(url, List.of());

    assertThat(done.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(done.reason()).contains("<repositories>", "Maven Central");
  }

  static Map<String, Long> files(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile)
          .collect(
              java.util.stream.Collectors.toMap(
                  p -> dir.relativize(p).toString(), p -> p.toFile().length()));
    }
  }

  @Test
  void aNewUsersFirstGoBuildStartsFromTheWorkersTemplateAndNoOtherUsersCache() throws Exception {
    assertThat(harness.worker.awaitWarm(Duration.ofMinutes(5))).isTrue();
    Path cacheRoot = harness.settings.worker().cacheDir();
    Path template = cacheRoot.resolve("_template/go");
    Map<String, Long> templateFiles = files(template);
    assertThat(templateFiles).isNotEmpty();

    String url = git.createRepo("first-go", GoRepos.hello());
    String ann = "ann-" + System.nanoTime() + "@example.com";
    assertThat(harness.runToEnd(ann, url, null, List.of()).status()).isEqualTo(TaskStatus.FINISHED);
    Path annCache = cacheRoot.resolve(io.gitfaas.task.UserKey.of(ann)).resolve("go");
    assertThat(files(annCache)).containsAllEntriesOf(templateFiles);
    // What ann's builds write stays hers: the template, and so the next new user, never see it.
    Files.writeString(annCache.resolve("go-build/poisoned"), "x");
    String bob = "bob-" + System.nanoTime() + "@example.com";
    assertThat(harness.runToEnd(bob, url, null, List.of()).status()).isEqualTo(TaskStatus.FINISHED);
    Path bobCache = cacheRoot.resolve(io.gitfaas.task.UserKey.of(bob)).resolve("go");
    assertThat(bobCache.resolve("go-build/poisoned")).doesNotExist();
    assertThat(files(template)).isEqualTo(templateFiles);
  }

  @Test
  void aRepeatedCommitReusesItsBuild() throws Exception {
    String url = git.createRepo("repeat", GoRepos.hello());
    TaskRecord first = runToEnd(url, List.of("1"));
    TaskRecord second = runToEnd(url, List.of("2"));

    assertThat(text(zip(first), "result.json")).contains("\"build: go build\"");
    String again = text(zip(second), "result.json");
    assertThat(again).contains("\"build: reused\"").doesNotContain("\"build: go build\"");
    assertThat(text(zip(second), "stdout.txt")).isEqualTo("hello 2\n");
  }

  @Test
  void aRunCannotChangeTheBuildKeptForItsCommit() throws Exception {
    // The program tries to change its own build (the file a restored build shares with the kept
    // one), then says what it was let do.
    String url =
        git.createRepo(
            "tamper",
            GoRepos.program(
                "\tapp := \"/work/bin/app\"\n"
                    + "\ttry := func(what string, err error) {\n"
                    + "\t\tif err == nil { fmt.Println(what, \"done\") } else {"
                    + " fmt.Println(what, \"refused\") }\n\t}\n"
                    + "\ttry(\"chmod\", os.Chmod(app, 0o777))\n"
                    + "\ttry(\"touch\", os.Chtimes(app, time.Unix(0, 0), time.Unix(0, 0)))\n"
                    + "\ttry(\"remove\", os.Remove(app))\n"
                    + "\ttry(\"rename\", os.Rename(app, \"/work/bin/moved\"))\n"
                    + "\ttry(\"create\", os.WriteFile(\"/work/bin/new\", []byte(\"x\"), 0o755))\n"
                    + "\tf, err := os.OpenFile(app, os.O_WRONLY, 0)\n"
                    + "\tif err == nil { f.Close() }\n"
                    + "\ttry(\"open for writing\", err)",
                "fmt",
                "os",
                "time"));
    String refused =
        "chmod refused\ntouch refused\nremove refused\nrename refused\ncreate refused\n"
            + "open for writing refused\n";
    TaskRecord built = runToEnd(url, List.of());
    TaskRecord restored = runToEnd(url, List.of());
    TaskRecord again = runToEnd(url, List.of());

    assertThat(text(zip(built), "stdout.txt")).isEqualTo(refused);
    assertThat(text(zip(restored), "result.json")).contains("\"build: reused\"");
    assertThat(text(zip(restored), "stdout.txt")).isEqualTo(refused);
    assertThat(text(zip(again), "result.json")).contains("\"build: reused\"");
    assertThat(text(zip(again), "stdout.txt")).isEqualTo(refused);
    assertThat(again.exitCode()).isZero();
  }

  @Test
  void aRepeatedCommitReusesItsCloneUntilTheBranchMoves() throws Exception {
    String url =
        git.createRepo(
            "moving",
            Map.of("run.sh", "cat data.txt\necho changed > data.txt\n", "data.txt", "one\n"));
    TaskRecord first = runToEnd(url, List.of());
    List<String> cloned = git.requests("moving");
    TaskRecord second = runToEnd(url, List.of());
    List<String> asked = since(cloned.size(), git.requests("moving"));
    git.commit("moving", Map.of("data.txt", "two\n"));
    int before = git.requests("moving").size();
    TaskRecord third = runToEnd(url, List.of());
    List<String> fetched = since(before, git.requests("moving"));

    // One advertisement of the refs serves both the question (which commit is the branch on?)
    // and, when that commit is not kept, the fetch: a push costs what a first clone costs.
    String advertisement = "GET /moving.git/info/refs";
    String pack = "POST /moving.git/git-upload-pack";
    assertThat(cloned).containsExactly(advertisement, pack);
    assertThat(asked).containsExactly(advertisement);
    assertThat(fetched).containsExactly(advertisement, pack);

    assertThat(text(zip(first), "result.json")).contains("\"clone\"");
    assertThat(text(zip(first), "stdout.txt")).isEqualTo("one\n");
    // The first run changed its copy; the kept clone is as it was checked out.
    assertThat(text(zip(second), "result.json")).contains("\"clone: reused\"");
    assertThat(text(zip(second), "stdout.txt")).isEqualTo("one\n");
    // The branch moved: the new commit is cloned.
    assertThat(text(zip(third), "result.json"))
        .contains("\"clone\"")
        .doesNotContain("clone: reused");
    assertThat(text(zip(third), "stdout.txt")).isEqualTo("two\n");
    // The old commit, named by its id, needs no request to the server.
    String oldCommit =
        io.gitfaas.json.Json.MAPPER
            .readTree(text(zip(first), "result.json"))
            .get("commit")
            .asText();
    int beforePinned = git.requests("moving").size();
    TaskRecord pinned = runToEnd(url, oldCommit, List.of());
    assertThat(since(beforePinned, git.requests("moving"))).isEmpty();
    assertThat(text(zip(pinned), "result.json")).contains("\"clone: reused\"");
    assertThat(text(zip(pinned), "stdout.txt")).isEqualTo("one\n");
  }

  /** The requests made after the first {@code earlier}. */
  private static List<String> since(int earlier, List<String> now) {
    return now.subList(earlier, now.size());
  }
}
