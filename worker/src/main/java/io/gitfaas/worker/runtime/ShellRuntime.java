package io.gitfaas.worker.runtime;

import java.nio.file.Path;
import java.util.List;

/** Shell: {@code run.sh} at the root, run by bash with the parameters as "$@". No build. */
public final class ShellRuntime implements Runtime {
  @Override
  public String name() {
    return "shell";
  }

  @Override
  public String detection() {
    return "shell (run.sh)";
  }

  @Override
  public boolean matches(Path src) {
    return RepoFile.present(src, "run.sh");
  }

  @Override
  public List<Step> buildSteps(Path src) {
    return List.of();
  }

  @Override
  public List<String> runCommand(Path src, List<String> parameters) {
    return Runtime.argv(List.of("/bin/bash", "run.sh"), parameters);
  }
}
