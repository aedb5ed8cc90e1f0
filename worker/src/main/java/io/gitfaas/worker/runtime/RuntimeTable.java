package io.gitfaas.worker.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The runtimes the worker knows, in order of precedence. */
public final class RuntimeTable {
  private final List<Runtime> runtimes;

  public RuntimeTable(List<Runtime> runtimes) {
    this.runtimes = List.copyOf(runtimes);
  }

  /**
   * Every runtime the worker supports, in order of precedence: the languages a manifest names
   * first, then those an entry file names. Java and Rust where the host has them (else null).
   */
  public static RuntimeTable standard(Path goRoot, JavaRuntime java, RustRuntime rust) {
    List<Runtime> all = new ArrayList<>();
    all.add(new GoRuntime(goRoot));
    if (rust != null) {
      all.add(rust);
    }
    if (java != null) {
      all.add(java);
    }
    all.addAll(List.of(new PythonRuntime(), new NodeRuntime(), new ShellRuntime()));
    return new RuntimeTable(all);
  }

  public List<Runtime> all() {
    return runtimes;
  }

  public Optional<Runtime> detect(Path src) {
    return runtimes.stream().filter(r -> r.matches(src)).findFirst();
  }

  /** For the error a repository that matches none gets. */
  public String supported() {
    return runtimes.stream().map(Runtime::detection).collect(Collectors.joining(", "));
  }
}
