package io.gitfaas.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the project itself (scripts, configuration) that tests use as they are. */
public final class ProjectFiles {
  private ProjectFiles() {}

  public static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("deploy/nats/nats-server.conf"))) {
        return p;
      }
    }
    throw new IllegalStateException("project root (with deploy/nats/) not found");
  }

  public static Path resolve(String relative) {
    return root().resolve(relative);
  }
}
