package io.gitfaas.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoRuntimeTest {
  @TempDir Path src;
  final GoRuntime go = new GoRuntime(Path.of("/usr/local/go"));

  List<String> stepNames() throws Exception {
    return go.buildSteps(src).stream().map(Runtime.Step::name).toList();
  }

  @Test
  void detectsGoModOrMainGo() throws Exception {
    assertThat(go.matches(src)).isFalse();
    Files.writeString(src.resolve("main.go"), "package main");
    assertThat(go.matches(src)).isTrue();
    assertThat(new RuntimeTable(List.of(go)).detect(src)).contains(go);
  }

  @Test
  void downloadsOnlyWhenThereAreDependencies() throws Exception {
    Files.writeString(src.resolve("main.go"), "package main");
    assertThat(stepNames()).containsExactly("go mod init", "go build");
    Files.writeString(src.resolve("go.mod"), "module x\n\ngo 1.21\n");
    assertThat(stepNames()).containsExactly("go build");
    Files.writeString(
        src.resolve("go.mod"), "module x\n\ngo 1.21\n\nrequire example.com/y v1.0.0\n");
    assertThat(stepNames()).containsExactly("go mod download", "go build");
    assertThat(go.buildSteps(src).get(0).network()).isTrue();
    assertThat(go.buildSteps(src).get(1).network()).isFalse();
  }

  @Test
  void parametersFollowTheBinary() {
    assertThat(go.runCommand(src, List.of("a", "-b"))).containsExactly("/work/bin/app", "a", "-b");
  }
}
