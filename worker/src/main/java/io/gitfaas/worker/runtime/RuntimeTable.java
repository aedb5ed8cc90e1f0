package io.gitfaas.worker.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The runtimes the worker knows, in order of precedence. */
public final class RuntimeTable {
  private final List<Runtime> runtimes;

  public RuntimeTable(List<Runtime> runtimes) {
    this.runtimes = List.copyOf(runtimes);
  }

  /** Every runtime the worker supports, in order of precedence. */
  public static RuntimeTable standard(Path goRoot) {
    return new RuntimeTable(
        List.of(new GoRuntime(goRoot), new PythonRuntime(), new NodeRuntime(), new ShellRuntime()));
  }

  public Optional<Runtime> detect(Path src) {
    return runtimes.stream().filter(r -> r.matches(src)).findFirst();
  }

  /** For the error a repository that matches none gets. */
  public String supported() {
    return runtimes.stream().map(Runtime::detection).collect(Collectors.joining(", "));
  }
}
