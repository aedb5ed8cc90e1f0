package io.gitfaas.worker;

import io.gitfaas.task.TaskRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** One task's directories on the worker's disk; removed whatever happened. */
public record Workspace(Path root) implements AutoCloseable {

  public static Workspace create(Path workDir, UUID taskId) throws IOException {
    Files.createDirectories(workDir);
    Path root = Files.createTempDirectory(workDir, taskId + "-");
    Workspace ws = new Workspace(root);
    for (Path dir : new Path[] {ws.bin(), ws.output(), ws.logs()}) {
      Files.createDirectories(dir);
    }
    return ws;
  }

  public Path src() {
    return root.resolve("src");
  }

  public Path bin() {
    return root.resolve("bin");
  }

  /** Where download steps run, apart from the repository. */
  public Path deps() {
    return root.resolve("deps");
  }

  public Path output() {
    return root.resolve("output");
  }

  public Path logs() {
    return root.resolve("logs");
  }

  public Path stdout() {
    return logs().resolve("stdout.txt");
  }

  public Path stderr() {
    return logs().resolve("stderr.txt");
  }

  public Path buildLog() {
    return logs().resolve("build.log");
  }

  /** What the program printed first, for a record whose zip was not kept. */
  public TaskRecord.OutputHeads outputHeads() throws IOException {
    return new TaskRecord.OutputHeads(head(stdout()), head(stderr()));
  }

  private static String head(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    byte[] bytes = new byte[TaskRecord.OutputHeads.MAX_BYTES];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(bytes, 0, bytes.length);
    }
    String text = new String(bytes, 0, n, StandardCharsets.UTF_8);
    // A character the cut split in two decodes as a replacement character: leave it out.
    return n == bytes.length && text.endsWith("\uFFFD")
        ? text.substring(0, text.length() - 1)
        : text;
  }

  public Path zip() {
    return root.resolve("result.zip");
  }

  @Override
  public void close() {
    Trees.removeQuietly(root);
  }
}
