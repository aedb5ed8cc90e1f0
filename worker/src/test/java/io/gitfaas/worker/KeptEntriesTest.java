package io.gitfaas.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copying and linking kept trees into a workspace. */
class KeptEntriesTest {
  @TempDir Path dir;

  @Test
  void aLinkedTreeSharesItsFilesAndLeavesLinksOut() throws Exception {
    Path kept = dir.resolve("kept");
    Path sub = Files.createDirectories(kept.resolve("sub"));
    Files.writeString(sub.resolve("app"), "binary");
    Files.createSymbolicLink(sub.resolve("escape"), Path.of("/etc/passwd"));
    Path bin = dir.resolve("bin");

    KeptEntries.linkTree(kept, bin);

    assertThat(Files.isSameFile(bin.resolve("sub/app"), sub.resolve("app"))).isTrue();
    assertThat(bin.resolve("sub/escape")).doesNotExist();
  }

  @Test
  void aCopiedTreeHasFilesOfItsOwn() throws Exception {
    Path kept = Files.createDirectories(dir.resolve("kept"));
    Files.writeString(kept.resolve("app"), "binary");
    Path bin = dir.resolve("bin");

    KeptEntries.copyTree(kept, bin, false);

    assertThat(Files.isSameFile(bin.resolve("app"), kept.resolve("app"))).isFalse();
    assertThat(bin.resolve("app")).hasContent("binary");
  }
}
