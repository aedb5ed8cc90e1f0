package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Repositories made to attack the worker itself, before any sandbox runs: links to host files,
 * manifests the worker reads, files that shadow the tools of the step with a network, and commits
 * whose checkout is far bigger than their download.
 */
class HostileRepositoriesIntegrationTest {
  static final String USER = "eve@example.com";
  static WorkerHarness harness;
  static String hostPasswdLine;

  @BeforeAll
  static void start() throws Exception {
    harness =
        new WorkerHarness(
            Map.of(
                "TASK_DISK_LIMIT", "64m",
                "TASK_MAX_FILES", "20000",
                "USER_CACHE_LIMIT", "96m",
                "WORKER_CONCURRENCY", "2"));
    hostPasswdLine = Files.readAllLines(Path.of("/etc/passwd")).get(0);
  }

  @AfterAll
  static void stop() throws Exception {
    harness.close();
  }

  static TaskRecord run(String url) {
    return harness.runToEnd(USER, url, null, List.of());
  }

  static TaskRecord withLink(String name, Map<String, String> files, String link, String target) {
    return run(harness.git.createRepo(name, files, List.of(), Map.of(link, target)));
  }

  /** The task failed as its own fault, on the first attempt, and nothing of the host came back. */
  static void refusedWithoutLeaking(TaskRecord r, String reason) throws Exception {
    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.attempt()).isEqualTo(1);
    assertThat(r.reason()).contains(reason).doesNotContain(hostPasswdLine).doesNotContain("/tmp");
    for (var entry : harness.zip(USER, r).entrySet()) {
      assertThat(new String(entry.getValue(), StandardCharsets.ISO_8859_1))
          .as(entry.getKey())
          .doesNotContain(hostPasswdLine);
    }
  }

  @Test
  void manifestsLinkedToHostFilesAreRefusedUnread() throws Exception {
    refusedWithoutLeaking(
        withLink("req-link", Map.of("main.py", "print(1)\n"), "requirements.txt", "/etc/passwd"),
        "requirements.txt is a symbolic link");
    refusedWithoutLeaking(
        withLink("gomod-link", Map.of("main.go", "package main\n"), "go.mod", "/etc/passwd"),
        "go.mod is a symbolic link");
    refusedWithoutLeaking(
        withLink("pkg-link", Map.of(), "package.json", "../../../../../../../../../etc/passwd"),
        "package.json is a symbolic link");
    refusedWithoutLeaking(
        withLink(
            "lock-link",
            Map.of(
                "package.json",
                "{\"scripts\": {\"start\": \"node index.js\"}, \"dependencies\": {\"a\": \"1.0.0\"}}"),
            "package-lock.json",
            "/etc/passwd"),
        "package-lock.json is a symbolic link");
  }

  @Test
  void malformedOrHugeManifestsAreTheTasksFaultOnTheFirstAttempt() throws Exception {
    refusedWithoutLeaking(
        run(harness.git.createRepo("bad-json", Map.of("package.json", "{"))),
        "package.json is not valid JSON");
    refusedWithoutLeaking(
        run(
            flatRepo(
                "bad-utf8",
                Map.of(
                    "main.go",
                    "package main\n".getBytes(StandardCharsets.UTF_8),
                    "go.mod",
                    new byte[] {'m', 'o', 'd', 'u', 'l', 'e', ' ', (byte) 0xff, '\n'}))),
        "go.mod is not valid UTF-8");
    String big = "{\"scripts\": {\"start\": \"x\"}, \"pad\": \"" + "x".repeat(3 << 20) + "\"}";
    refusedWithoutLeaking(
        run(harness.git.createRepo("big-json", Map.of("package.json", big))),
        "package.json is larger than 1 MiB");
    // The worker took the next task as usual.
    TaskRecord after = run(harness.git.createRepo("after-bad", Map.of("run.sh", "echo fine\n")));
    assertThat(after.status()).isEqualTo(TaskStatus.FINISHED);
  }

  @Test
  void nothingOfTheRepositoryRunsInTheStepWithANetwork() throws Exception {
    String shadow = "import sys\nprint('REPOSITORY CODE RAN')\nsys.exit(0)\n";
    String url =
        harness.git.createRepo(
            "shadow-pip",
            Map.of(
                "main.py",
                "print('main ran')\n",
                "requirements.txt",
                "\n",
                "pip/__init__.py",
                "",
                "pip/__main__.py",
                shadow,
                "py_compile.py",
                shadow,
                "sitecustomize.py",
                shadow));
    TaskRecord r = run(url);

    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED);
    var zip = harness.zip(USER, r);
    assertThat(WorkerHarness.text(zip, "build.log")).doesNotContain("REPOSITORY CODE RAN");
    assertThat(WorkerHarness.text(zip, "stdout.txt")).isEqualTo("main ran\n");
  }

  @Test
  void aCheckoutMuchBiggerThanItsDownloadIsRefusedBeforeAnythingIsWritten() throws Exception {
    long before = diskUsed();
    // One blob of 50 MiB of zeros under 100 names: a few KB to download, 5 GB to check out.
    String url =
        harness.git.createRepoFromTree(
            "zeros",
            ins -> {
              ObjectId zeros = ins.insert(Constants.OBJ_BLOB, new byte[50 << 20]);
              TreeFormatter tree = new TreeFormatter();
              tree.append(
                  "run.sh", FileMode.REGULAR_FILE, ins.insert(Constants.OBJ_BLOB, new byte[0]));
              for (int i = 0; i < 100; i++) {
                tree.append(String.format("z%03d", i), FileMode.REGULAR_FILE, zeros);
              }
              return ins.insert(tree);
            });
    TaskRecord r = run(url);
    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("refused before checkout", "TASK_DISK_LIMIT");
    assertThat(diskUsed() - before).isLessThan(20L << 20);
    assertThat(cachedSources()).doesNotContain(r.taskId().toString());
  }

  @Test
  void millionsOfEmptyFilesAndDeepPathsAreRefusedBeforeCheckout() throws Exception {
    // 2,000 empty files in a directory, and that directory 1,000 times: 2 million files.
    String wide =
        harness.git.createRepoFromTree(
            "wide",
            ins -> {
              ObjectId empty = ins.insert(Constants.OBJ_BLOB, new byte[0]);
              TreeFormatter leaf = new TreeFormatter();
              for (int i = 0; i < 2000; i++) {
                leaf.append(String.format("f%04d", i), FileMode.REGULAR_FILE, empty);
              }
              ObjectId dir = ins.insert(leaf);
              TreeFormatter root = new TreeFormatter();
              for (int i = 0; i < 1000; i++) {
                root.append(String.format("d%04d", i), FileMode.TREE, dir);
              }
              return ins.insert(root);
            });
    TaskRecord r = run(wide);
    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("refused before checkout", "TASK_MAX_FILES");

    String deep =
        harness.git.createRepoFromTree(
            "deep",
            ins -> {
              TreeFormatter bottom = new TreeFormatter();
              bottom.append(
                  "run.sh", FileMode.REGULAR_FILE, ins.insert(Constants.OBJ_BLOB, new byte[0]));
              ObjectId dir = ins.insert(bottom);
              for (int i = 0; i < 1000; i++) {
                TreeFormatter up = new TreeFormatter();
                up.append("d", FileMode.TREE, dir);
                dir = ins.insert(up);
              }
              return dir;
            });
    TaskRecord d = run(deep);
    assertThat(d.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(d.reason()).contains("refused before checkout");
  }

  @Test
  void buildsCannotGrowTheUsersCachePastItsLimit() throws Exception {
    String user = "cache-filler@example.com";
    String pkg = "{\"scripts\": {\"build\": \"bash fill.sh\", \"start\": \"echo ran\"}}";
    String fill = "for i in $(seq 1 10); do head -c 30M /dev/zero > /cache/f$i; done\n";
    String url = harness.git.createRepo("cache-fill", Map.of("package.json", pkg, "fill.sh", fill));
    TaskRecord r = harness.runToEnd(user, url, null, List.of());

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("USER_CACHE_LIMIT");
    Path userCache = harness.settings.worker().cacheDir().resolve(io.gitfaas.task.UserKey.of(user));
    // Trimmed right after the task, in the background.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> io.gitfaas.worker.limits.DiskWatch.usage(List.of(userCache)) <= 96L << 20);
  }

  /** A repository of files at its root, with any bytes. */
  static String flatRepo(String name, Map<String, byte[]> files) {
    return harness.git.createRepoFromTree(
        name,
        ins -> {
          TreeFormatter tree = new TreeFormatter();
          for (var file : new TreeMap<>(files).entrySet()) {
            tree.append(
                file.getKey(),
                FileMode.REGULAR_FILE,
                ins.insert(Constants.OBJ_BLOB, file.getValue()));
          }
          return ins.insert(tree);
        });
  }

  static long diskUsed() throws Exception {
    return Files.getFileStore(harness.workDir).getTotalSpace()
        - Files.getFileStore(harness.workDir).getUsableSpace();
  }

  static List<String> cachedSources() throws Exception {
    Path cache = harness.settings.worker().cacheDir();
    if (!Files.isDirectory(cache)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(cache, 3)) {
      return all.map(Path::toString).toList();
    }
  }
}
