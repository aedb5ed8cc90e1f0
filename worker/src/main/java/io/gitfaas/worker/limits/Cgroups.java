package io.gitfaas.worker.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a control group per sandboxed program, on whichever cgroup version this host lets the
 * worker write: v2 (a delegated subtree) or v1 (memory, pids and cpuacct hierarchies). Where
 * neither is writable the worker falls back to per-process resource limits (see {@link
 * #available()}).
 */
public interface Cgroups {
  Logger LOG = LoggerFactory.getLogger(Cgroups.class);

  TaskCgroup create(String name, long memoryBytes, int maxProcesses) throws IOException;

  /** Whether limits hold for the task as a whole (false: the fallback without cgroups). */
  default boolean available() {
    return true;
  }

  String describe();

  static Cgroups detect(Path root) {
    for (Function<Path, Cgroups> candidate :
        List.<Function<Path, Cgroups>>of(CgroupV2::tryCreate, CgroupV1::tryCreate)) {
      Cgroups c = candidate.apply(root);
      if (c != null) {
        LOG.info("task limits: {}", c.describe());
        return c;
      }
    }
    LOG.warn(
        "task limits: no writable cgroup under {}; memory is limited per process"
            + " (RLIMIT_AS) and the process limit is not enforced",
        root);
    return NONE;
  }

  Cgroups NONE =
      new Cgroups() {
        @Override
        public TaskCgroup create(String name, long memoryBytes, int maxProcesses) {
          return new TaskCgroup() {
            @Override
            public void join(long pid) {}

            @Override
            public Usage usage() {
              return Usage.UNKNOWN;
            }

            @Override
            public void close() {}
          };
        }

        @Override
        public boolean available() {
          return false;
        }

        @Override
        public String describe() {
          return "none (per-process limits only)";
        }
      };

  /** Reads a number from a control file; null when absent or unreadable. */
  static Long readLong(Path file) {
    try {
      String s = Files.readString(file).trim();
      return s.equals("max") ? null : Long.parseLong(s);
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  /** Reads "key value" from a flat-keyed control file; 0 when absent. */
  static long readKey(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 2 && parts[0].equals(key)) {
          return Long.parseLong(parts[1]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // absent on this kernel
    }
    return 0;
  }

  static void write(Path file, String value) throws IOException {
    Files.writeString(file, value);
  }

  /** Kills what is left in a group and removes it, retrying while processes exit. */
  static void remove(Path dir) {
    Path procsFile = dir.resolve("cgroup.procs");
    for (int i = 0; i < 50 && Files.isDirectory(dir); i++) {
      try {
        for (String pid : Files.readAllLines(procsFile)) {
          if (!pid.isBlank()) {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
          }
        }
        Files.delete(dir);
        return;
      } catch (IOException | NumberFormatException e) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    LOG.warn("could not remove cgroup {}", dir);
  }
}
