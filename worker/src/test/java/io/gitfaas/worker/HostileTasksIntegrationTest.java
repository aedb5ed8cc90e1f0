package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import io.gitfaas.task.TaskRecord;
import io.gitfaas.task.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every task is an attacker: each test submits a real hostile repository to a real worker and
 * checks that the sandbox holds and the task ends with a reason that names the limit.
 */
class HostileTasksIntegrationTest {
  static final String USER = "mallory@example.com";
  static WorkerHarness harness;

  @BeforeAll
  static void start() throws Exception {
    harness =
        new WorkerHarness(
            Map.of(
                "TASK_RUN_TIMEOUT", "12s",
                "TASK_MEMORY_LIMIT", "96m",
                "TASK_MAX_PROCESSES", "32",
                "TASK_DISK_LIMIT", "32m",
                "TASK_MAX_OUTPUT_BYTES", "64k",
                "RESULT_MAX_BYTES", "1m",
                "WORKER_CONCURRENCY", "2"));
  }

  @AfterAll
  static void stop() throws Exception {
    harness.close();
  }

  static TaskRecord shell(String name, String script, String... params) {
    String url = harness.git.createRepo(name, Map.of("run.sh", script));
    return harness.runToEnd(USER, url, null, List.of(params));
  }

  static Map<String, byte[]> zip(TaskRecord r) throws Exception {
    return harness.zip(USER, r);
  }

  static String stdout(TaskRecord r) throws Exception {
    return WorkerHarness.text(zip(r), "stdout.txt");
  }

  static JsonNode resultJson(TaskRecord r) throws Exception {
    return Json.MAPPER.readTree(zip(r).get("result.json"));
  }

  @Test
  void forkBombIsContainedByTheProcessLimit() throws Exception {
    TaskRecord r = shell("forkbomb", "bomb() { bomb | bomb & }; bomb\nsleep 3\n");

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("process limit of 32 (TASK_MAX_PROCESSES)");
    assertThat(resultJson(r).at("/phases/run/limit").asText()).isEqualTo("TASK_MAX_PROCESSES");
    // The worker is fine: the next task runs normally.
    assertThat(stdout(shell("after-bomb", "echo still here"))).isEqualTo("still here\n");
  }

  /** Tries each kernel interface namespace root would attack, and prints how each one failed. */
  static final String PROBE =
      """
      import ctypes, os, subprocess, sys
      libc = ctypes.CDLL(None, use_errno=True)
      calls = {"unshare": (272, 0x10000000), "setns": (308, 0, 0), "mount": (165, 0, 0, 0, 0, 0),
               "bpf": (321, 0, 0, 0), "keyctl": (250, 0, 0, 0, 0, 0),
               "io_uring_setup": (425, 1, 0), "userfaultfd": (323, 0),
               "perf_event_open": (298, 0, 0, -1, -1, 0), "ptrace": (101, 16, 1, 0, 0)}
      for name, args in calls.items():
          ctypes.set_errno(0)
          rc = libc.syscall(*[ctypes.c_long(a) for a in args])
          print(sys.argv[1], name, "ok" if rc >= 0 else os.strerror(ctypes.get_errno()))
      for cmd in (["unshare", "-Ur", "id"], ["unshare", "-Urn", "true"], ["mount", "-t", "tmpfs", "x", "/tmp"]):
          r = subprocess.run(cmd, capture_output=True)
          print(sys.argv[1], " ".join(cmd), "ok" if r.returncode == 0 else "refused")
      """;

  @Test
  void namespacesAndKernelInterfacesAreRefusedInEveryStep() throws Exception {
    String pkg =
        "{\"scripts\": {\"build\": \"python3 probe.py build\","
            + " \"start\": \"python3 probe.py run\"}}";
    String url = harness.git.createRepo("probe", Map.of("package.json", pkg, "probe.py", PROBE));
    TaskRecord r = harness.runToEnd(USER, url, null, List.of());

    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED);
    Map<String, byte[]> zip = zip(r);
    for (String step : List.of("build", "run")) {
      String out = WorkerHarness.text(zip, step.equals("build") ? "build.log" : "stdout.txt");
      for (String call :
          List.of(
              "unshare",
              "setns",
              "mount",
              "bpf",
              "keyctl",
              "io_uring_setup",
              "userfaultfd",
              "perf_event_open",
              "ptrace")) {
        assertThat(out).as(step).contains(step + " " + call + " Operation not permitted");
      }
      assertThat(out)
          .contains(step + " unshare -Ur id refused")
          .contains(step + " unshare -Urn true refused")
          .contains(step + " mount -t tmpfs x /tmp refused");
    }
  }

  @Test
  void devIsReadOnlyAndSharedMemoryIsSmall() throws Exception {
    TaskRecord r =
        shell(
            "devshm",
            "touch /dev/x 2>/dev/null && echo dev-writable\n"
                + "head -c 3G /dev/zero > /dev/shm/x 2>/dev/null\n"
                + "echo shm $(stat -c %s /dev/shm/x)\n");

    String out = stdout(r);
    assertThat(out).doesNotContain("dev-writable");
    long shm = Long.parseLong(out.replaceAll("(?s).*shm (\\d+).*", "$1"));
    assertThat(shm).isLessThanOrEqualTo(64L << 20);
  }

  @Test
  void memoryIsLimitedForTheTaskAsAWhole() throws Exception {
    // Four processes of 40 MiB each: every one is under the limit, together they are not.
    String hog =
        "import time\nblock = b'x' * (40 << 20)\nprint('allocated', flush=True)\ntime.sleep(30)\n";
    String url =
        harness.git.createRepo(
            "memhog",
            Map.of("run.sh", "for i in 1 2 3 4; do python3 hog.py & done\nwait\n", "hog.py", hog));
    TaskRecord r = harness.runToEnd(USER, url, null, List.of());

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("out of memory", "TASK_MEMORY_LIMIT");
    JsonNode run = resultJson(r).at("/phases/run");
    assertThat(run.get("limit").asText()).isEqualTo("TASK_MEMORY_LIMIT");
    assertThat(run.get("peakMemoryBytes").asLong()).isGreaterThan(80L << 20);
  }

  @Test
  void endlessLoopWithDetachedChildrenLeavesNothingAlive() throws Exception {
    String marker = "7" + (System.nanoTime() % 100_000 + 100_000);
    TaskRecord r =
        shell(
            "daemons",
            "( trap '' TERM HUP; exec setsid sleep "
                + marker
                + " ) &\n"
                + "nohup sleep "
                + marker
                + "1 >/dev/null 2>&1 &\n"
                + "trap '' TERM\n"
                + "while :; do :; done\n");

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).isEqualTo("killed after 12 s (TASK_RUN_TIMEOUT)");
    await()
        .atMost(Duration.ofSeconds(1))
        .until(() -> !WorkerHarness.processWithArgumentExists(marker));
  }

  @Test
  void aHugeFileIsStoppedByTheFileSizeLimit() throws Exception {
    TaskRecord r = shell("hugefile", "head -c 100M /dev/zero > \"$OUTPUT_DIR/big\"\n");

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("TASK_DISK_LIMIT");
    assertThat(zip(r)).doesNotContainKey("output/big");
  }

  @Test
  void manyFilesAreStoppedByTheWorkspaceQuota() throws Exception {
    TaskRecord r =
        shell(
            "filldisk",
            "for i in $(seq 1 100); do head -c 1M /dev/zero > \"$OUTPUT_DIR/f$i\"; done\n"
                + "sleep 30\n");

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("files grew past 32 MiB (TASK_DISK_LIMIT)");
  }

  @Test
  void emptyFilesAndDirectoriesCountAgainstTheWorkspaceQuota() throws Exception {
    // Each costs a block on the disk, and an inode: a million of them are not free.
    TaskRecord r =
        shell(
            "inodes",
            "cd \"$OUTPUT_DIR\"; i=0\n"
                + "while [ $i -lt 1000000 ]; do mkdir d$i; : > d$i/f; i=$((i+1)); done\n");

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("TASK_DISK_LIMIT");
    harness.awaitNoWorkspaceLeft();
  }

  @Test
  void filesInDirectoriesTheTaskLockedAreCountedAndRemoved() throws Exception {
    TaskRecord r =
        shell(
            "locked",
            "cd \"$OUTPUT_DIR\"; mkdir -p a/b c\n"
                + "for i in 1 2 3 4 5; do head -c 8M /dev/zero > a/b/f$i; done\n"
                + "ln a/b/f1 c/link; chmod 000 a/b; chmod 300 a c\n"
                + "sleep 30\n");

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).contains("TASK_DISK_LIMIT");
    harness.awaitNoWorkspaceLeft();
  }

  @Test
  void gigabytesOnStdoutAreCapped() throws Exception {
    TaskRecord r = shell("chatty", "head -c 1G /dev/zero | tr '\\0' x\n");

    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED);
    Map<String, byte[]> zip = zip(r);
    assertThat(zip.get("stdout.txt")).hasSize(64 * 1024);
    assertThat(resultJson(r).at("/truncated/stdout").asBoolean()).isTrue();
  }

  @Test
  void theRunHasNoNetwork() throws Exception {
    int natsPort = Integer.parseInt(harness.nats.url().replaceAll(".*:", ""));
    TaskRecord r =
        shell(
            "network",
            "try() { if timeout 3 bash -c \"$2\" 2>/dev/null; then echo \"$1:open\"; "
                + "else echo \"$1:closed\"; fi; }\n"
                + "try dns 'getent hosts example.com'\n"
                + "try internet 'exec 3<>/dev/tcp/1.1.1.1/443'\n"
                + "try nats 'exec 3<>/dev/tcp/127.0.0.1/"
                + natsPort
                + "'\n");

    assertThat(stdout(r)).isEqualTo("dns:closed\ninternet:closed\nnats:closed\n");
  }

  @Test
  void hostSecretsFilesAndOtherWorkspacesAreNotVisible() throws Exception {
    Path otherTask = Files.createDirectories(harness.workspaces().resolve("other-task"));
    Files.writeString(otherTask.resolve("secret.txt"), "s3cret");
    TaskRecord r =
        shell(
            "snoop",
            "for f in /etc/shadow \"$1/secret.txt\" \"$2\" /root; do\n"
                + "  if cat \"$f\" >/dev/null 2>&1 || ls \"$f\" >/dev/null 2>&1; then"
                + " echo \"visible $f\"; fi\n"
                + "done\n"
                + "echo \"init environment: $(wc -c < /proc/1/environ) bytes\"\n"
                + "env | cut -d= -f1 | sort | tr '\\n' ' '\n",
            otherTask.toString(),
            harness.workDir.toString());
    Files.delete(otherTask.resolve("secret.txt"));
    Files.delete(otherTask);

    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED);
    String out = stdout(r);
    assertThat(out).doesNotContain("visible").contains("init environment: 0 bytes");
    assertThat(out.lines().reduce((a, b) -> b).orElseThrow().strip().split(" "))
        .isSubsetOf(
            "HOME",
            "INJECT_DIR",
            "LANG",
            "OUTPUT_DIR",
            "PATH",
            "PWD",
            "SHLVL",
            "TASK_ID",
            "TMPDIR",
            "_",
            "OLDPWD");
  }

  @Test
  void writesOutsideTheWorkspaceFail() throws Exception {
    TaskRecord r =
        shell(
            "writer",
            "for f in /usr/x /etc/x /x /work/x /work/bin/x /work/inject/x; do\n"
                + "  if touch \"$f\" 2>/dev/null; then echo \"wrote $f\"; fi\n"
                + "done\n"
                + "touch \"$OUTPUT_DIR/ok\" /tmp/ok ./ok && echo fine\n");

    assertThat(stdout(r)).isEqualTo("fine\n");
  }

  @Test
  void linksAndDangerousNamesStayOutOfTheZip() throws Exception {
    String url =
        harness.git.createRepo(
            "links",
            Map.of(
                "run.sh",
                "cp -P leak \"$OUTPUT_DIR/copied-leak\"\n"
                    + "cd \"$OUTPUT_DIR\"\n"
                    + "ln -s /etc/passwd passwd\n"
                    + "ln -s / root\n"
                    + "echo evil > '..\\..\\evil.txt'\n"
                    + "echo fine > good.txt\n"),
            List.of(),
            Map.of("leak", "/etc/passwd"));
    TaskRecord r = harness.runToEnd(USER, url, null, List.of());

    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED);
    assertThat(zip(r).keySet().stream().filter(k -> k.startsWith("output/")))
        .containsExactly("output/good.txt");
  }

  @Test
  void parametersArriveByteExact() throws Exception {
    List<String> params =
        List.of("$(id)", "; rm -rf /", "`uname`", "a\nb", "--help", "-e", "' \" \\", "*", "ü€");
    String[] args = params.toArray(String[]::new);
    TaskRecord r = shell("argv", "printf '%s\\0' \"$@\"\n", args);

    assertThat(stdout(r)).isEqualTo(String.join("\0", params) + "\0");
  }

  @Test
  void buildCodeCannotReachTheHost() throws Exception {
    int natsPort = Integer.parseInt(harness.nats.url().replaceAll(".*:", ""));
    String connect =
        "require('net').connect("
            + natsPort
            + ", '127.0.0.1').on('connect', () => process.exit(0))"
            + ".on('error', e => { console.error('blocked: ' + e.code); process.exit(7); })";
    String url =
        harness.git.createRepo(
            "nodebuild",
            Map.of(
                "package.json",
                "{\"name\": \"x\", \"version\": \"1.0.0\", \"scripts\": {\"build\": \"node probe.js\","
                    + " \"start\": \"node index.js\"}}",
                "probe.js",
                connect,
                "index.js",
                "console.log('ran')"));
    TaskRecord r = harness.runToEnd(USER, url, null, List.of());

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).startsWith("build failed (npm run build)").contains("blocked");
  }

  @Test
  void dependenciesFromAnywhereButTheRegistryAreRefused() throws Exception {
    String url =
        harness.git.createRepo(
            "pyurl",
            Map.of(
                "main.py",
                "print('hi')",
                "requirements.txt",
                "requests==2.0\nevil @ http://127.0.0.1:4222/evil.whl\n"));
    TaskRecord r = harness.runToEnd(USER, url, null, List.of());

    assertThat(r.status()).isEqualTo(TaskStatus.FINISHED_ERRORS);
    assertThat(r.reason()).startsWith("build refused: requirements.txt line 2");
  }

  @Test
  void oneUsersBuildCannotPoisonAnothersCache() throws Exception {
    String poison =
        "{\"name\": \"x\", \"version\": \"1.0.0\", \"scripts\": {\"build\":"
            + " \"node -e \\\"require('fs').mkdirSync('/cache/npm', {recursive: true});"
            + " require('fs').writeFileSync('/cache/npm/poison', 'x')\\\"\","
            + " \"start\": \"node -e \\\"console.log(require('fs').existsSync('/cache/npm/poison'))\\\"\"}}";
    String check =
        "{\"name\": \"y\", \"version\": \"1.0.0\", \"scripts\": {\"build\":"
            + " \"node -e \\\"process.exit(require('fs').existsSync('/cache/npm/poison') ? 3 : 0)\\\"\","
            + " \"start\": \"node -e \\\"console.log('clean')\\\"\"}}";
    TaskRecord a =
        harness.runToEnd(
            "poisoner@example.com",
            harness.git.createRepo("poison", Map.of("package.json", poison)),
            null,
            List.of());
    assertThat(a.status()).as(a.reason()).isEqualTo(TaskStatus.FINISHED);
    TaskRecord b =
        harness.runToEnd(
            "victim@example.com",
            harness.git.createRepo("victim", Map.of("package.json", check)),
            null,
            List.of());
    assertThat(b.status()).as(b.reason()).isEqualTo(TaskStatus.FINISHED);
    assertThat(WorkerHarness.text(harness.zip("victim@example.com", b), "stdout.txt"))
        .isEqualTo("clean\n");
  }

  @Test
  void resultJsonReportsEveryPhase() throws Exception {
    String url =
        harness.git.createRepo("phases", Map.of("main.py", "import sys\nprint(sys.argv[1:])\n"));
    TaskRecord r = harness.runToEnd(USER, url, null, List.of("x"));

    assertThat(r.status()).as(r.reason()).isEqualTo(TaskStatus.FINISHED);
    assertThat(stdout(r)).isEqualTo("['x']\n");
    JsonNode phases = resultJson(r).get("phases");
    assertThat(phases.has("clone")).isTrue();
    assertThat(phases.has("build: compile")).isTrue();
    JsonNode run = phases.get("run");
    assertThat(run.get("exitCode").asInt()).isZero();
    assertThat(run.get("wallMs").asLong()).isPositive();
    assertThat(run.get("cpuMs").isNumber()).isTrue();
    assertThat(run.get("peakMemoryBytes").asLong()).isPositive();
    assertThat(run.get("limit").isNull()).isTrue();
  }
}
