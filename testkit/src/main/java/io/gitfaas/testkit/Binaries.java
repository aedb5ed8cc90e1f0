package io.gitfaas.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the programs tests run: on PATH, or where scripts/install.sh put them. */
public final class Binaries {
  private Binaries() {}

  public static Path find(String name) {
    String override = System.getenv(name.toUpperCase().replace('-', '_') + "_BIN");
    if (override != null && Files.isExecutable(Path.of(override))) {
      return Path.of(override);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    Path tools = Path.of(System.getProperty("user.home"), ".cache", "gitfaas", "bin", name);
    if (Files.isExecutable(tools)) {
      return tools;
    }
    throw new IllegalStateException(
        name + " not found: run scripts/install.sh (make test does) or put it on PATH");
  }
}
