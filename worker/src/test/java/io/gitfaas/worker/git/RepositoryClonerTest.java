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

  static final RepositoryCloner.KeptCopies NONE_KEPT = commit -> false;

  @Test
  void fetchesABranchAsAShallowRepositoryGitCanRead() throws Exception {
    String url = git.createRepo("fetched", GoRepos.hello());
    git.commit("fetched", Map.of("second.txt", "2\n"));
    Path src = dir.resolve("src");
    var fetched = cloner(1 << 20).fetch(url, "main", src, Duration.ofSeconds(30), NONE_KEPT);

    assertThat(fetched.restored()).isFalse();
    // Only what Git reads: a kept copy is copied for every task on its commit.
    try (var files = java.nio.file.Files.walk(src.resolve(".git"))) {
      assertThat(files.map(f -> src.resolve(".git").relativize(f).toString()))
          .filteredOn(name -> !name.startsWith("objects/pack/pack-"))
          .containsExactlyInAnyOrder(
              "", "HEAD", "config", "index", "shallow", "objects", "objects/pack", "refs");
    }
    assertThat(src.resolve("second.txt")).hasContent("2");
    // Git itself reads it: one commit deep, the commit checked out, nothing changed.
    assertThat(gitOutput(src, "rev-parse", "HEAD")).isEqualTo(fetched.commit());
    assertThat(gitOutput(src, "rev-list", "--count", "HEAD")).isEqualTo("1");
    assertThat(gitOutput(src, "status", "--porcelain")).isEmpty();
  }

  @Test
  void aKeptCopyOfTheAdvertisedCommitIsUsedAndNothingIsFetched() throws Exception {
    String url = git.createRepo("keptcopy", GoRepos.hello());
    String head = cloner(1 << 20).clone(url, null, dir.resolve("a"), Duration.ofSeconds(30));
    int before = git.requests("keptcopy").size();
    var asked = new java.util.ArrayList<String>();
    var fetched =
        cloner(1 << 20)
            .fetch(
                url,
                null,
                dir.resolve("b"),
                Duration.ofSeconds(30),
                commit -> {
                  asked.add(commit);
                  return true;
                });

    assertThat(fetched).isEqualTo(new RepositoryCloner.Fetched(head, true));
    assertThat(asked).containsExactly(head);
    assertThat(git.requests("keptcopy").subList(before, git.requests("keptcopy").size()))
        .containsExactly("GET /keptcopy.git/info/refs");
    assertThat(dir.resolve("b")).doesNotExist();
  }

  @Test
  void aTagIsFetchedAsItsCommitAndAnUnknownRefIsNamed() throws Exception {
    String url = git.createRepo("tagged", GoRepos.hello());
    Path work = dir.resolve("w");
    String head = cloner(1 << 20).clone(url, null, work, Duration.ofSeconds(30));
    git.tag("tagged", "v1", "release one");
    var fetched =
        cloner(1 << 20).fetch(url, "v1", dir.resolve("src"), Duration.ofSeconds(30), NONE_KEPT);
    assertThat(fetched.commit()).isEqualTo(head);
    assertThat(dir.resolve("src/main.go")).exists();

    assertThatThrownBy(
            () ->
                cloner(1 << 20)
                    .fetch(url, "nope", dir.resolve("x"), Duration.ofSeconds(30), NONE_KEPT))
        .isInstanceOf(CloneException.class)
        .hasMessage("ref 'nope' not found");
  }

  @Test
  void aUrlThePolicyRefusesIsNotReadEvenWithoutHttp() throws Exception {
    // A repository on this machine's disk: JGit reads file: URLs without any HTTP connection.
    Path local = dir.resolve("local.git");
    String served = git.createRepo("local", GoRepos.hello());
    new ProcessBuilder("git", "clone", "-q", "--bare", served, local.toString()).start().waitFor();
    assertThat(local.resolve("HEAD")).exists();
    for (String url : java.util.List.of(local.toUri().toString(), "ssh://127.0.0.1/r.git")) {
      assertThatThrownBy(
              () ->
                  cloner(1 << 20)
                      .fetch(url, null, dir.resolve("src"), Duration.ofSeconds(30), NONE_KEPT))
          .isInstanceOf(CloneException.class)
          .hasMessageContaining("url scheme must be https or http");
      assertThatThrownBy(
              () ->
                  cloner(1 << 20)
                      .clone(
                          url,
                          "0123456789abcdef0123456789abcdef01234567",
                          dir.resolve("c"),
                          Duration.ofSeconds(30)))
          .isInstanceOf(CloneException.class)
          .hasMessageContaining("url scheme must be https or http");
    }
    assertThat(dir.resolve("src")).doesNotExist();
  }

  private static String gitOutput(Path dir, String... args) throws Exception {
    var command = new java.util.ArrayList<>(java.util.List.of("git", "-C", dir.toString()));
    command.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }
}
