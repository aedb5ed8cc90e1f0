package io.gitfaas.worker.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Python: {@code main.py} at the root, run with the system's python3. Requirements are installed as
 * wheels only, so installing them runs no code.
 */
public final class PythonRuntime implements Runtime {
  static final String DEPS = BIN_DIR + "/pydeps";
  private static final String REQUIREMENTS = "requirements.txt";

  @Override
  public String name() {
    return "python";
  }

  @Override
  public String detection() {
    return "Python (main.py, optional requirements.txt)";
  }

  @Override
  public boolean matches(Path src) {
    return RepoFile.present(src, "main.py");
  }

  @Override
  public List<Step> buildSteps(Path src) throws IOException, RefusedBuildException {
    List<Step> steps = new ArrayList<>();
    Optional<String> requirements = RepoFile.readText(src, REQUIREMENTS);
    if (requirements.isPresent()) {
      DependencyPolicy.checkRequirements(requirements.get());
      // -I: the interpreter ignores PYTHON* variables and never looks in the working directory,
      // so nothing named pip or py_compile in the repository can stand in for the real one.
      steps.add(
          Step.download(
              "pip install",
              List.of(
                  "/usr/bin/python3",
                  "-I",
                  "-m",
                  "pip",
                  "install",
                  "--only-binary=:all:",
                  "--no-input",
                  "--disable-pip-version-check",
                  "--target",
                  DEPS,
                  "-r",
                  REQUIREMENTS),
              List.of(REQUIREMENTS),
              List.of()));
    }
    steps.add(
        Step.offline("compile", List.of("/usr/bin/python3", "-I", "-m", "py_compile", "main.py")));
    return steps;
  }

  @Override
  public List<String> runCommand(Path src, List<String> parameters) {
    return Runtime.argv(List.of("/usr/bin/python3", "main.py"), parameters);
  }

  @Override
  public Map<String, String> buildEnv() {
    return Map.of(
        "PIP_CACHE_DIR", CACHE_DIR + "/pip",
        "PIP_INDEX_URL", "https://pypi.org/simple",
        "PIP_CONFIG_FILE", "/dev/null",
        "PYTHONDONTWRITEBYTECODE", "1");
  }

  @Override
  public Map<String, String> runEnv() {
    return Map.of("PYTHONPATH", DEPS, "PYTHONDONTWRITEBYTECODE", "1", "PYTHONUNBUFFERED", "1");
  }

  @Override
  public boolean buildIsInBin() {
    return true;
  }
}
