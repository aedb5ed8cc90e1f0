package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.worker.runtime.GoRuntime;
import io.gitfaas.worker.runtime.NodeRuntime;
import io.gitfaas.worker.runtime.Runtime;
import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download step's directory holds the manifests it names and nothing else. */
class DownloadDirTest {
  @TempDir Path src;
  @TempDir Path deps;

  Runtime.Step download(Runtime runtime) throws Exception {
    return runtime.buildSteps(src).stream().filter(Runtime.Step::network).findFirst().orElseThrow();
  }

  static List<String> names(Path dir) throws Exception {
    try (Stream<Path> all = Files.list(dir)) {
      return all.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void npmConfigurationAndInstalledToolsOfTheRepositoryStayBehind() throws Exception {
    Files.writeString(
        src.resolve("package.json"),
        "{\"scripts\": {\"start\": \"node .\"}, \"dependencies\": {\"left-pad\": \"1.3.0\"}}");
    Files.writeString(src.resolve("package-lock.json"), "{}");
    Files.writeString(src.resolve(".npmrc"), "git=./evil.sh\n");
    Files.createDirectories(src.resolve("node_modules/.bin"));
    Files.writeString(src.resolve("node_modules/.bin/npm"), "evil");

    Runtime.Step step = download(new NodeRuntime());
    DownloadDir.prepare(deps, src, step);
    assertThat(names(deps)).containsExactly("package-lock.json", "package.json");

    // What the step installs replaces the repository's node_modules, link or not.
    Files.createDirectories(deps.resolve("node_modules/left-pad"));
    DownloadDir.deliver(deps, src, step);
    assertThat(names(src.resolve("node_modules"))).containsExactly("left-pad");
  }

  @Test
  void goModulesAreDownloadedFromCopiesOfGoModAndGoSumOnly() throws Exception {
    Files.writeString(src.resolve("go.mod"), "module x\n\nrequire example.com/y v1.0.0\n");
    Files.writeString(src.resolve("go.sum"), "");
    Files.writeString(src.resolve("go.work"), "use ../..\n");
    Files.writeString(src.resolve("main.go"), "package main\n");

    DownloadDir.prepare(deps, src, download(new GoRuntime(Path.of("/usr/local/go"))));
    assertThat(names(deps)).containsExactly("go.mod", "go.sum");
  }

  @Test
  void aManifestThatBecameALinkIsRefused() throws Exception {
    Files.writeString(src.resolve("package.json"), "{\"dependencies\": {\"left-pad\": \"1.3.0\"}}");
    Runtime.Step step = download(new NodeRuntime());
    Files.delete(src.resolve("package.json"));
    Files.createSymbolicLink(src.resolve("package.json"), Path.of("/etc/passwd"));

    assertThatThrownBy(() -> DownloadDir.prepare(deps, src, step))
        .isInstanceOf(RefusedBuildException.class)
        .hasMessageContaining("symbolic link");
  }
}
