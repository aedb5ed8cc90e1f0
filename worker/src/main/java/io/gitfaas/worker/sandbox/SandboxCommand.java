package io.gitfaas.worker.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a {@link SandboxSpec} into a bubblewrap argv: fresh namespaces (user, pid, ipc, uts, cgroup
 * and, unless asked, network), a read-only system, a private /tmp and /dev, an unprivileged user,
 * and only the binds and environment the spec names.
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

  private final Path bwrap;
  private final Path identityDir;

  /**
   * @param identityDir holds the sandbox's passwd and group files, so programs that look up their
   *     user find one and nothing of the host's accounts
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
    a.addAll(List.of("--die-with-parent", "--new-session", "--unshare-all"));
    if (spec.network()) {
      a.add("--share-net");
      a.addAll(List.of("--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf"));
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
    new TreeMap<>(spec.env()).forEach((k, v) -> a.addAll(List.of("--setenv", k, v)));
    a.add("--");
    a.addAll(spec.command());
    return a;
  }

  /** Writes the passwd and group files the sandbox shows. */
  public static void writeIdentity(Path identityDir) throws java.io.IOException {
    Files.createDirectories(identityDir);
    Files.writeString(
        identityDir.resolve("passwd"),
        "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            + "task:x:"
            + SANDBOX_UID
            + ":"
            + SANDBOX_UID
            + ":task:/tmp:/usr/sbin/nologin\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    Files.writeString(
        identityDir.resolve("group"), "root:x:0:\ntask:x:" + SANDBOX_UID + ":\nnogroup:x:65534:\n");
  }
}
