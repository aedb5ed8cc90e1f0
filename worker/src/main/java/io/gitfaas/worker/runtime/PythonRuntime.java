package io.gitfaas.worker.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python: {@code main.py} at the root, run with the system's python3. Requirements are installed as
 * wheels only, so installing them runs no code.
 */
public final class PythonRuntime implements Runtime {
  static final String DEPS = BIN_DIR + "/pydeps";

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
    return Files.isRegularFile(src.resolve("main.py"));
  }

  @Override
  public List<Step> buildSteps(Path src) throws IOException, RefusedBuildException {
    Path requirements = src.resolve("requirements.txt");
    List<Step> steps = new ArrayList<>();
    if (Files.isRegularFile(requirements)) {
      DependencyPolicy.checkRequirements(Files.readString(requirements));
      steps.add(
          new Step(
              "pip install",
              List.of(
                  "/usr/bin/python3",
                  "-m",
                  "pip",
                  "install",
                  "--only-binary=:all:",
                  "--no-input",
                  "--disable-pip-version-check",
                  "--target",
                  DEPS,
                  "-r",
                  "requirements.txt"),
              true));
    }
    steps.add(
        new Step("compile", List.of("/usr/bin/python3", "-m", "py_compile", "main.py"), false));
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
