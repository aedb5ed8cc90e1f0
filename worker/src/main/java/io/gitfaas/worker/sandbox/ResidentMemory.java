package io.gitfaas.worker.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The resident memory of a process and all its descendants, from /proc: the memory limit where the
 * host gives the worker no cgroup. Per-process address-space limits are no substitute: V8 and Go
 * reserve far more address space than they use.
 */
final class ResidentMemory {
  private ResidentMemory() {}

  static long of(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      total += rss(pid);
    }
    return total;
  }

  private static long rss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the process is gone
    }
    return 0;
  }
}
