package io.gitfaas.worker.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** cgroup v1: one group per task in each of the memory, pids and (if mounted) cpuacct trees. */
final class CgroupV1 implements Cgroups {
  private static final String BASE = "gitfaas";
  private final Path memory;
  private final Path pids;
  private final Path cpuacct;

  private CgroupV1(Path memory, Path pids, Path cpuacct) {
    this.memory = memory;
    this.pids = pids;
    this.cpuacct = cpuacct;
  }

  static Cgroups tryCreate(Path root) {
    Path memory = root.resolve("memory");
    Path pids = root.resolve("pids");
    if (!Files.isRegularFile(memory.resolve("memory.limit_in_bytes"))
        || !Files.isRegularFile(pids.resolve("cgroup.procs"))) {
      return null;
    }
    Path cpuacct = root.resolve("cpuacct");
    try {
      Files.createDirectories(memory.resolve(BASE));
      Files.createDirectories(pids.resolve(BASE));
      boolean cpu = Files.isRegularFile(cpuacct.resolve("cpuacct.usage"));
      if (cpu) {
        Files.createDirectories(cpuacct.resolve(BASE));
      }
      return new CgroupV1(
          memory.resolve(BASE), pids.resolve(BASE), cpu ? cpuacct.resolve(BASE) : null);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public TaskCgroup create(String name, long memoryBytes, int maxProcesses) throws IOException {
    List<Path> dirs = new ArrayList<>();
    Path mem = Files.createDirectories(memory.resolve(name));
    dirs.add(mem);
    Path pid = Files.createDirectories(pids.resolve(name));
    dirs.add(pid);
    Path cpu = cpuacct == null ? null : Files.createDirectories(cpuacct.resolve(name));
    if (cpu != null) {
      dirs.add(cpu);
    }
    Cgroups.write(mem.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
    Path memsw = mem.resolve("memory.memsw.limit_in_bytes");
    if (Files.exists(memsw)) {
      Cgroups.write(memsw, Long.toString(memoryBytes)); // no escape into swap
    }
    Cgroups.write(pid.resolve("pids.max"), Integer.toString(maxProcesses));
    return new TaskCgroup() {
      @Override
      public void join(long p) throws IOException {
        for (Path dir : dirs) {
          Cgroups.write(dir.resolve("cgroup.procs"), Long.toString(p));
        }
      }

      @Override
      public Usage usage() {
        Long cpuNanos = cpu == null ? null : Cgroups.readLong(cpu.resolve("cpuacct.usage"));
        return new Usage(
            Cgroups.readLong(mem.resolve("memory.max_usage_in_bytes")),
            cpuNanos == null ? null : cpuNanos / 1_000_000,
            Cgroups.readKey(mem.resolve("memory.oom_control"), "oom_kill") > 0,
            Cgroups.readKey(pid.resolve("pids.events"), "max") > 0);
      }

      @Override
      public void close() {
        for (Path dir : dirs) {
          Cgroups.remove(dir);
        }
      }
    };
  }

  @Override
  public String describe() {
    return "cgroup v1 (" + memory + ", " + pids + (cpuacct == null ? "" : ", " + cpuacct) + ")";
  }
}
