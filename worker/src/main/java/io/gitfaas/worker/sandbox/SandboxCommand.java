package io.gitfaas.worker.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a {@link SandboxSpec} into a bubblewrap argv: fresh namespaces (user, pid, ipc, uts, cgroup
 * and network), a read-only system, a private /tmp and /dev, an unprivileged user, and only the
 * binds and environment the spec names. A step that may use the network still has none of the
 * host's: its only way out is the worker's egress proxy, which reaches the allowed registries.
 */
public final class SandboxCommand {
  public static final int SANDBOX_UID = 1000;
  private static final List<String> SYSTEM_DIRS =
      List.of("/usr", "/bin", "/lib", "/lib64", "/sbin");
  private static final List<String> ETC_FILES =
      List.of(
          "/etc/alternatives",
          "/etc/ssl",
          "/etc/ca-certificates",
          "/etc/ld.so.cache",
          "/etc/localtime",
          "/etc/nsswitch.conf",
          "/etc/hosts");

  /** The descriptor bubblewrap reads the syscall filter from. */
  public static final int SECCOMP_FD = 3;

  static final long MAX_SHM_BYTES = 64L << 20;
  static final String SECCOMP_FILTER = "seccomp.bpf";
  private static final String SECCOMP_GENERATOR = "/sandbox/seccomp-filter.py";

  /** Where a download step finds the egress proxy's socket. */
  public static final String EGRESS_SOCKET = "/run/gitfaas/egress.sock";

  static final String EGRESS_BRIDGE = "/run/gitfaas/egress-bridge.py";
  static final String EGRESS_PROXY_URL = "http://127.0.0.1:3128";
  private static final String BRIDGE_RESOURCE = "/sandbox/egress-bridge.py";

  private final Path bwrap;
  private final Path identityDir;

  /**
   * @param identityDir holds the sandbox's passwd and group files (so programs that look up their
   *     user find one and nothing of the host's accounts) and the egress bridge
   */
  public SandboxCommand(Path bwrap, Path identityDir) {
    this.bwrap = bwrap;
    this.identityDir = identityDir;
  }

  public List<String> argv(SandboxSpec spec) {
    List<String> a = new ArrayList<>();
    a.add(bwrap.toString());
    // Waits on stdin until the worker has put it into the task's cgroup.
    a.addAll(List.of("--block-fd", "0"));
    a.addAll(List.of("--die-with-parent", "--new-session", "--unshare-all", "--unshare-user"));
    // No namespaces inside the sandbox: namespace root is where most kernel exploits start. The
    // syscall filter (read from fd 3, see Sandbox) also refuses unshare, setns, mount, bpf, ...
    a.addAll(List.of("--disable-userns", "--seccomp", Integer.toString(SECCOMP_FD)));
    if (spec.network()) {
      if (!spec.readOnlyBinds().containsValue(EGRESS_SOCKET)) {
        throw new IllegalStateException(
            "a step asks for the network, but binds no egress socket at " + EGRESS_SOCKET);
      }
      a.addAll(
          List.of("--ro-bind", identityDir.resolve("egress-bridge.py").toString(), EGRESS_BRIDGE));
    }
    a.addAll(
        List.of("--uid", Integer.toString(SANDBOX_UID), "--gid", Integer.toString(SANDBOX_UID)));
    a.addAll(List.of("--hostname", "sandbox"));
    for (String dir : SYSTEM_DIRS) {
      Path p = Path.of(dir);
      if (Files.isSymbolicLink(p)) {
        try {
          a.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
        } catch (java.io.IOException e) {
          throw new IllegalStateException("cannot read " + dir, e);
        }
      } else if (Files.isDirectory(p)) {
        a.addAll(List.of("--ro-bind", dir, dir));
      }
    }
    for (String file : ETC_FILES) {
      a.addAll(List.of("--ro-bind-try", file, file));
    }
    a.addAll(List.of("--ro-bind", identityDir.resolve("passwd").toString(), "/etc/passwd"));
    a.addAll(List.of("--ro-bind", identityDir.resolve("group").toString(), "/etc/group"));
    a.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
    // /dev is read-only and /dev/shm small: without a memory cgroup, a tmpfs the task could fill
    // would be memory nobody counts.
    long shm = Math.min(MAX_SHM_BYTES, spec.limits().memoryBytes());
    a.addAll(List.of("--size", Long.toString(shm), "--perms", "1777", "--tmpfs", "/dev/shm"));
    a.addAll(List.of("--remount-ro", "/dev"));
    // /tmp is memory: it counts against the memory limit, and is capped at it too.
    a.addAll(List.of("--size", Long.toString(spec.limits().memoryBytes()), "--tmpfs", "/tmp"));
    // Sorted by sandbox path so parents are mounted before their children.
    Map<String, String[]> mounts = new TreeMap<>();
    spec.readOnlyBinds()
        .forEach((host, inside) -> mounts.put(inside, new String[] {"--ro-bind", host.toString()}));
    spec.binds()
        .forEach((host, inside) -> mounts.put(inside, new String[] {"--bind", host.toString()}));
    mounts.forEach((inside, how) -> a.addAll(List.of(how[0], how[1], inside)));
    // Everything not bound writable above is read-only, the sandbox's own root included.
    a.addAll(List.of("--remount-ro", "/"));
    a.addAll(List.of("--chdir", spec.workingDir()));
    a.add("--clearenv");
    Map<String, String> env = new TreeMap<>(spec.env());
    if (spec.network()) {
      for (String name :
          List.of(
              "HTTPS_PROXY",
              "https_proxy",
              "HTTP_PROXY",
              "http_proxy",
              "npm_config_https_proxy",
              "npm_config_proxy")) {
        env.put(name, EGRESS_PROXY_URL);
      }
    }
    env.forEach((k, v) -> a.addAll(List.of("--setenv", k, v)));
    a.add("--");
    if (spec.network()) {
      a.addAll(List.of("/usr/bin/python3", EGRESS_BRIDGE, EGRESS_SOCKET));
    }
    a.addAll(spec.command());
    return a;
  }

  /** The compiled syscall filter bubblewrap is given. */
  public Path seccompFilter() {
    return identityDir.resolve(SECCOMP_FILTER);
  }

  /**
   * Writes the passwd and group files the sandbox shows, the egress bridge, and the syscall filter
   * (compiled by libseccomp's Python bindings, python3-seccomp).
   */
  public static void writeIdentity(Path identityDir) throws java.io.IOException {
    Files.createDirectories(identityDir);
    writeSeccompFilter(identityDir);
    try (var bridge = SandboxCommand.class.getResourceAsStream(BRIDGE_RESOURCE)) {
      if (bridge == null) {
        throw new IllegalStateException(BRIDGE_RESOURCE + " is missing from the worker");
      }
      replace(identityDir.resolve("egress-bridge.py"), bridge.readAllBytes());
    }
    replace(
        identityDir.resolve("passwd"),
        ("root:x:0:0:root:/root:/usr/sbin/nologin\n"
                + "task:x:"
                + SANDBOX_UID
                + ":"
                + SANDBOX_UID
                + ":task:/tmp:/usr/sbin/nologin\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    replace(
        identityDir.resolve("group"),
        ("root:x:0:\ntask:x:" + SANDBOX_UID + ":\nnogroup:x:65534:\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Puts {@code content} at {@code target} in one step: written to a file of this writer's own
   * first, then moved over. The workers of a host share the directory and start together, and a
   * sandbox starting meanwhile sees the old file or the new one, never half of one.
   */
  private static void replace(Path target, byte[] content) throws java.io.IOException {
    replace(target, mine -> Files.write(mine, content));
  }

  /** What writes a file's new content, into the path it is given. */
  private interface Writer {
    void write(Path to) throws java.io.IOException;
  }

  /** As {@link #replace(Path, byte[])}, the new content written by {@code writer}. */
  private static void replace(Path target, Writer writer) throws java.io.IOException {
    Path mine = Files.createTempFile(target.getParent(), ".new-", "");
    try {
      writer.write(mine);
      Files.move(
          mine,
          target,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(mine);
    }
  }

  private static void writeSeccompFilter(Path identityDir) throws java.io.IOException {
    Path generator = identityDir.resolve("seccomp-filter.py");
    try (var in = SandboxCommand.class.getResourceAsStream(SECCOMP_GENERATOR)) {
      if (in == null) {
        throw new IllegalStateException(SECCOMP_GENERATOR + " is missing from the worker");
      }
      replace(generator, in.readAllBytes());
    }
    replace(identityDir.resolve(SECCOMP_FILTER), filter -> compileSeccompFilter(generator, filter));
  }

  private static void compileSeccompFilter(Path generator, Path filter) throws java.io.IOException {
    Process p =
        new ProcessBuilder("/usr/bin/python3", "-I", generator.toString(), filter.toString())
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IllegalStateException(
            "the sandbox's syscall filter cannot be compiled (apt-get install python3-seccomp): "
                + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while compiling the syscall filter");
    }
  }
}
