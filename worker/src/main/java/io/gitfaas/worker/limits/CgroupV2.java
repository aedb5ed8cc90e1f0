package io.gitfaas.worker.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * cgroup v2: the worker's own cgroup must be delegated to it (writable). The worker moves itself
 * into a leaf, enables the memory and pids controllers for the subtree, and makes one sibling group
 * per task.
 */
final class CgroupV2 implements Cgroups {
  private final Path base;

  private CgroupV2(Path base) {
    this.base = base;
  }

  static Cgroups tryCreate(Path root) {
    if (!Files.isRegularFile(root.resolve("cgroup.controllers"))) {
      return null;
    }
    try {
      String own = "/";
      for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
        if (line.startsWith("0::")) {
          own = line.substring(3);
        }
      }
      Path base = root.resolve(own.substring(1));
      String controllers = Files.readString(base.resolve("cgroup.controllers"));
      if (!controllers.contains("memory") || !controllers.contains("pids")) {
        return null;
      }
      Path leaf = Files.createDirectories(base.resolve("worker"));
      Cgroups.write(leaf.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
      Cgroups.write(base.resolve("cgroup.subtree_control"), "+memory +pids");
      return new CgroupV2(base);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public TaskCgroup create(String name, long memoryBytes, int maxProcesses) throws IOException {
    Path dir = Files.createDirectories(base.resolve("task-" + name));
    Cgroups.write(dir.resolve("memory.max"), Long.toString(memoryBytes));
    Path swap = dir.resolve("memory.swap.max");
    if (Files.exists(swap)) {
      Cgroups.write(swap, "0");
    }
    Cgroups.write(dir.resolve("pids.max"), Integer.toString(maxProcesses));
    return new TaskCgroup() {
      @Override
      public void join(long pid) throws IOException {
        Cgroups.write(dir.resolve("cgroup.procs"), Long.toString(pid));
      }

      @Override
      public Usage usage() {
        long cpuMicros = Cgroups.readKey(dir.resolve("cpu.stat"), "usage_usec");
        return new Usage(
            Cgroups.readLong(dir.resolve("memory.peak")),
            cpuMicros / 1000,
            Cgroups.readKey(dir.resolve("memory.events"), "oom_kill") > 0,
            Cgroups.readKey(dir.resolve("pids.events"), "max") > 0);
      }

      @Override
      public void close() {
        Cgroups.remove(dir);
      }
    };
  }

  @Override
  public String describe() {
    return "cgroup v2 (" + base + ")";
  }
}
