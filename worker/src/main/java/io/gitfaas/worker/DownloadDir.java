package io.gitfaas.worker;

import io.gitfaas.worker.runtime.RepoFile;
import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import io.gitfaas.worker.runtime.Runtime.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The directory a download step runs in: copies of the manifests it names and nothing else of the
 * repository. The one step with a network so never sees a file of the repository that could run in
 * its place (a {@code pip/} package, an {@code .npmrc}, a {@code node_modules/.bin}).
 */
final class DownloadDir {
  private DownloadDir() {}

  /** Empties {@code deps}, copies the step's manifests from {@code src} and writes its stubs. */
  static Path prepare(Path deps, Path src, Step step) throws IOException, RefusedBuildException {
    Trees.remove(deps);
    Files.createDirectories(deps);
    for (String name : step.manifests()) {
      Optional<byte[]> bytes = RepoFile.read(src, name);
      if (bytes.isPresent()) {
        Files.write(deps.resolve(name), bytes.get());
      }
    }
    for (var stub : step.stubs().entrySet()) {
      Path file = deps.resolve(stub.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, stub.getValue());
    }
    return deps;
  }

  /** Moves what the step produced into the repository root, replacing what was there. */
  static void deliver(Path deps, Path src, Step step) throws IOException {
    for (String name : step.produces()) {
      Path made = deps.resolve(name);
      if (Files.exists(made, LinkOption.NOFOLLOW_LINKS)) {
        Path target = src.resolve(name);
        Trees.remove(target); // a link the repository put there is removed, not followed
        Files.move(made, target);
      }
    }
  }
}
