package io.gitfaas.worker.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.worker.Trees;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskWatchTest {
  @TempDir Path dir;

  @Test
  void everyEntryCostsAtLeastABlock() throws Exception {
    for (int i = 0; i < 100; i++) {
      Files.createDirectory(dir.resolve("d" + i));
      Files.createFile(dir.resolve("d" + i).resolve("empty"));
    }
    // the directory itself, 100 directories and 100 empty files
    assertThat(DiskWatch.usage(List.of(dir))).isEqualTo(201 * DiskWatch.BLOCK);
  }

  @Test
  void aFileWithManyNamesCountsOnceAndASparseFileAtItsSize() throws Exception {
    Path file = dir.resolve("data");
    Files.write(file, new byte[1 << 20]);
    for (int i = 0; i < 10; i++) {
      Files.createLink(dir.resolve("link" + i), file);
    }
    try (var sparse = new RandomAccessFile(dir.resolve("sparse").toFile(), "rw")) {
      sparse.setLength(64L << 20);
    }
    assertThat(DiskWatch.usage(List.of(dir))).isEqualTo(DiskWatch.BLOCK + (1 << 20) + (64L << 20));
  }

  @Test
  void lockedDirectoriesAreCountedAndRemoved() throws Exception {
    Path locked = Files.createDirectories(dir.resolve("a/b"));
    Files.write(locked.resolve("f"), new byte[1 << 20]);
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    Files.setPosixFilePermissions(dir.resolve("a"), PosixFilePermissions.fromString("-wx------"));

    assertThat(DiskWatch.usage(List.of(dir))).isEqualTo(3 * DiskWatch.BLOCK + (1 << 20));
    Trees.remove(dir.resolve("a"));
    assertThat(dir.resolve("a")).doesNotExist();
  }

  @Test
  void countingStopsOncePastTheLimit() throws Exception {
    for (int i = 0; i < 1000; i++) {
      Files.createFile(dir.resolve("f" + i));
    }
    assertThat(DiskWatch.usage(List.of(dir), 10 * DiskWatch.BLOCK))
        .isLessThan(20 * DiskWatch.BLOCK);
  }
}
