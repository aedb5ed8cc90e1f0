package io.gitfaas.worker.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.config.Settings.GitSettings;
import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.testkit.GitHttpServer;
import io.gitfaas.testkit.GoRepos;
import io.gitfaas.worker.git.RepositoryCloner.CloneException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clones from a real Git HTTP server under the URL policy and the size limit. */
class RepositoryClonerTest {
  static GitHttpServer git;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    git = new GitHttpServer();
  }

  @AfterAll
  static void stop() {
    git.close();
  }

  static RepositoryCloner cloner(long maxBytes) {
    var policy = new GitUrlPolicy(new GitSettings(Set.of("127.0.0.1"), true, true, maxBytes));
    return new RepositoryCloner(policy, maxBytes, new CheckoutLimits(1L << 30, 100_000));
  }

  @Test
  void clonesTheDefaultBranchShallowly() throws Exception {
    String url = git.createRepo("plain", GoRepos.hello());
    String commit = cloner(1 << 20).clone(url, null, dir.resolve("src"), Duration.ofSeconds(30));
    assertThat(commit).matches("[0-9a-f]{40}");
    assertThat(dir.resolve("src/main.go")).exists();
  }

  @Test
  void clonesACommitByItsId() throws Exception {
    String url = git.createRepo("bycommit", GoRepos.hello());
    String head = cloner(1 << 20).clone(url, null, dir.resolve("a"), Duration.ofSeconds(30));
    String again = cloner(1 << 20).clone(url, head, dir.resolve("b"), Duration.ofSeconds(30));
    assertThat(again).isEqualTo(head);
    assertThat(dir.resolve("b/main.go")).exists();
  }

  @Test
  void redirectsAreCheckedAgainstThePolicy() {
    String url = git.createRepo("target", GoRepos.hello());
    // localhost is not in the allowed hosts, though it is the same server.
    String moved =
        git.redirect("/moved/", url.replace("127.0.0.1", "localhost").replace("target.git", ""));
    assertThatThrownBy(
            () ->
                cloner(1 << 20)
                    .clone(moved + "target.git", null, dir.resolve("src"), Duration.ofSeconds(30)))
        .isInstanceOf(CloneException.class)
        .hasMessageContaining("repository URL not allowed")
        .hasMessageContaining("localhost");
  }

  @Test
  void repositoriesOverTheSizeLimitAreRefused() throws Exception {
    byte[] noise = new byte[200_000];
    new Random(7).nextBytes(noise);
    String text = java.util.Base64.getEncoder().encodeToString(noise);
    String url =
        git.createRepo(
            "big", Map.of("main.go", "package main\nfunc main(){}\n", "noise.txt", text));
    assertThatThrownBy(
            () -> cloner(64 * 1024).clone(url, null, dir.resolve("src"), Duration.ofSeconds(30)))
        .isInstanceOf(CloneException.class)
        .hasMessageContaining("larger than 64 KiB");
  }
}
