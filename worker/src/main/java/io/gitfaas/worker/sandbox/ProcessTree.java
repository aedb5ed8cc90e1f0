package io.gitfaas.worker.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A process and all its descendants, from one pass over /proc. ProcessHandle.descendants() is no
 * use against a fork bomb: it starts over while the process table keeps growing, and returns only
 * when the bomb has stopped.
 */
final class ProcessTree {
  private static final Path PROC = Path.of("/proc");

  private ProcessTree() {}

  /** {@code root} first, then its descendants as they were found. */
  static List<Long> of(long root) {
    Map<Long, List<Long>> children = new HashMap<>();
    try (DirectoryStream<Path> all = Files.newDirectoryStream(PROC)) {
      for (Path p : all) {
        String name = p.getFileName().toString();
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
          long parent = parentOf(p);
          if (parent > 0) {
            children.computeIfAbsent(parent, k -> new ArrayList<>()).add(Long.parseLong(name));
          }
        }
      }
    } catch (IOException e) {
      // /proc is always there; a listing cut short counts what it saw
    }
    List<Long> tree = new ArrayList<>();
    ArrayDeque<Long> next = new ArrayDeque<>(List.of(root));
    while (!next.isEmpty()) {
      long pid = next.poll();
      tree.add(pid);
      next.addAll(children.getOrDefault(pid, List.of()));
    }
    return tree;
  }

  /**
   * The children of a process, from the kernel's list of each of its threads' children; empty when
   * this kernel keeps no such list (built without CONFIG_PROC_CHILDREN). A process that has exited
   * has none.
   */
  static Optional<List<Long>> children(long pid) {
    List<Long> children = new ArrayList<>();
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(PROC.resolve(pid + "/task"))) {
      for (Path thread : threads) {
        String list;
        try {
          list = Files.readString(thread.resolve("children"), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
          if (Files.isDirectory(thread)) {
            return Optional.empty(); // no list on this kernel
          }
          continue; // the thread has ended
        }
        for (String child : list.trim().split(" ")) {
          if (!child.isEmpty()) {
            children.add(Long.parseLong(child));
          }
        }
      }
    } catch (IOException e) {
      // the process has exited: it has no children to move
    }
    return Optional.of(children);
  }

  /** The parent pid from /proc/N/stat (after the command name, which may hold any bytes). */
  private static long parentOf(Path proc) {
    try {
      String stat =
          new String(Files.readAllBytes(proc.resolve("stat")), StandardCharsets.ISO_8859_1);
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3);
      return Long.parseLong(after[1]);
    } catch (IOException | RuntimeException e) {
      return -1; // gone since it was listed
    }
  }
}
