package io.gitfaas.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a Rust repository is built, and which manifests are refused. */
class RustRuntimeTest {
  @TempDir Path src;
  final RustRuntime rust = new RustRuntime(Path.of("/opt/toolchain"));

  List<Runtime.Step> steps(String manifest) throws Exception {
    Files.writeString(src.resolve("Cargo.toml"), manifest);
    return rust.buildSteps(src);
  }

  static final String PACKAGE = "[package]\nname = \"demo-app\"\nversion = \"0.1.0\"\n";

  @Test
  void aCrateWithoutDependenciesBuildsOffline() throws Exception {
    List<Runtime.Step> steps =
        steps(PACKAGE + "\n[dependencies]\n\n[[bin]]\nname = \"x\"\npath = \"src/main.rs\"\n");
    assertThat(steps)
        .extracting(Runtime.Step::name)
        .containsExactly("cargo build", "keep the binary");
    assertThat(steps).noneMatch(Runtime.Step::network);
    assertThat(steps.get(0).command())
        .contains("--release", "--offline")
        .doesNotContain("--locked");
    assertThat(steps.get(1).command()).contains("/cache/target/release/demo-app", "/work/bin/app");
  }

  @Test
  void cratesAreFetchedFromTheManifestsAloneAfterTheCargoHomeForgetsItsConfiguration()
      throws Exception {
    Files.writeString(src.resolve("Cargo.lock"), "");
    Files.writeString(src.resolve("build.rs"), "fn main() {}");
    List<Runtime.Step> steps = steps(PACKAGE + "[dependencies]\nserde = \"1\"\n");
    assertThat(steps)
        .extracting(Runtime.Step::name)
        .containsExactly(
            "forget cargo configuration", "cargo fetch", "cargo build", "keep the binary");
    assertThat(steps.get(0).command()).contains("/cache/cargo/config.toml", "/cache/cargo/config");
    Runtime.Step fetch = steps.get(1);
    assertThat(fetch.network()).isTrue();
    assertThat(fetch.command()).contains("--locked");
    assertThat(fetch.manifests()).containsExactly("Cargo.toml", "Cargo.lock");
    assertThat(fetch.stubs()).containsOnlyKeys("src/main.rs");
    assertThat(steps.get(2).command()).contains("--locked");
  }

  @Test
  void cratesFromElsewhereAreRefused() throws Exception {
    for (String manifest :
        List.of(
            PACKAGE + "[dependencies]\nx = { git = \"https://example.com/x\" }\n",
            PACKAGE + "[dependencies]\nx = { path = \"../x\" }\n",
            PACKAGE + "[build-dependencies]\nx = { version = \"1\", registry = \"mine\" }\n",
            PACKAGE + "[dependencies.x]\npath = \"/etc\"\n",
            PACKAGE + "[patch.crates-io]\nx = { path = \"x\" }\n",
            PACKAGE + "[source.crates-io]\nreplace-with = \"mine\"\n",
            "[workspace]\nmembers = [\"a\"]\n",
            "[dependencies]\n")) {
      assertThatThrownBy(() -> steps(manifest))
          .as(manifest)
          .isInstanceOf(RefusedBuildException.class);
    }
  }
}
