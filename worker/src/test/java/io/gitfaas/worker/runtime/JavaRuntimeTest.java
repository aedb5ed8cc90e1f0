package io.gitfaas.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a Java repository is built and run with: the steps, and what the pom may not ask for. */
class JavaRuntimeTest {
  @TempDir Path src;
  @TempDir Path tools;

  JavaRuntime java(Path seed) {
    return new JavaRuntime(
        Path.of("/opt/some-jdk"),
        Path.of("/usr/share/maven"),
        seed,
        tools.resolve("s.xml"),
        1 << 29);
  }

  JavaRuntime java() {
    return java(tools);
  }

  void pom(String inside) throws Exception {
    Files.writeString(
        src.resolve("pom.xml"),
        "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId><artifactId>a</artifactId>"
            + "<version>1</version>"
            + inside
            + "</project>");
  }

  List<String> stepNames() throws Exception {
    return java().buildSteps(src).stream().map(Runtime.Step::name).toList();
  }

  @Test
  void aSingleFileRunsWithTheSourceLauncher() throws Exception {
    Files.writeString(src.resolve("Main.java"), "class Main {}");
    assertThat(java().matches(src)).isTrue();
    assertThat(java().buildSteps(src)).isEmpty();
    assertThat(java().runCommand(src, List.of("a b")))
        .startsWith("/opt/jdk/bin/java")
        .contains("-XX:MaxRAM=536870912")
        .endsWith("Main.java", "a b");
  }

  @Test
  void aProjectWithoutDependenciesBuildsFromTheSeedWithoutNetwork() throws Exception {
    pom("");
    List<Runtime.Step> steps = java().buildSteps(src);
    assertThat(steps).extracting(Runtime.Step::name).containsExactly("maven seed", "mvn package");
    assertThat(steps).noneMatch(Runtime.Step::network);
    assertThat(steps.get(0).command()).contains("--no-clobber");
    assertThat(steps.get(1).command()).contains("--offline");
    assertThat(java().runCommand(src, List.of()))
        .endsWith("-cp", "target/classes:target/lib/*", "Main");
  }

  @Test
  void dependenciesAreDownloadedByTheSeedsPluginPutBackFirst() throws Exception {
    pom(
        "<dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId>"
            + "<version>1</version></dependency></dependencies>");
    List<Runtime.Step> steps = java().buildSteps(src);
    assertThat(steps)
        .extracting(Runtime.Step::name)
        .containsExactly("maven seed", "mvn dependency:go-offline", "mvn package");
    // The seed overwrites what an earlier build may have changed before code runs with a network.
    assertThat(steps.get(0).command()).doesNotContain("--no-clobber");
    assertThat(steps.get(1).network()).isTrue();
    assertThat(steps.get(1).manifests()).containsExactly("pom.xml");
    assertThat(steps.get(2).network()).isFalse();
  }

  @Test
  void theMainClassIsTheOneThePomNames() throws Exception {
    pom("<properties><exec.mainClass>demo.App</exec.mainClass></properties>");
    assertThat(java().runCommand(src, List.of("x"))).endsWith("demo.App", "x");
    pom(
        "<build><plugins><plugin><configuration><archive><manifest><mainClass> a.B </mainClass>"
            + "</manifest></archive></configuration></plugin></plugins></build>");
    assertThat(java().runCommand(src, List.of())).endsWith("a.B");
  }

  @Test
  void otherSourcesExtensionsAndHostFilesAreRefused() throws Exception {
    for (String refused :
        List.of(
            "<repositories><repository><url>http://10.0.0.1/</url></repository></repositories>",
            "<pluginRepositories></pluginRepositories>",
            "<build><extensions><extension></extension></extensions></build>",
            "<dependencies><dependency><systemPath>/etc/shadow</systemPath></dependency>"
                + "</dependencies>")) {
      pom(refused);
      assertThatThrownBy(() -> java().buildSteps(src))
          .as(refused)
          .isInstanceOf(RefusedBuildException.class);
    }
  }

  @Test
  void withoutASeedOnlySingleFilesRun() throws Exception {
    pom("");
    assertThatThrownBy(() -> java(null).buildSteps(src))
        .isInstanceOf(RefusedBuildException.class)
        .hasMessageContaining("seed");
  }
}
