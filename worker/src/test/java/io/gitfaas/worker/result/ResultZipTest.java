package io.gitfaas.worker.result;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultZipTest {
  @TempDir Path dir;

  Map<String, String> read(Path zip) throws IOException {
    Map<String, String> out = new HashMap<>();
    try (ZipFile z = ZipFile.builder().setPath(zip).get()) {
      for (ZipArchiveEntry e : java.util.Collections.list(z.getEntries())) {
        out.put(
            e.getName(), new String(z.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Test
  void layoutIsTopLevelFilesPlusOutputTree() throws Exception {
    Path stdout = Files.writeString(dir.resolve("stdout.txt"), "out");
    Path output = Files.createDirectories(dir.resolve("output"));
    Files.createDirectories(output.resolve("a/b"));
    Files.writeString(output.resolve("a/b/c.txt"), "deep");
    Files.createSymbolicLink(output.resolve("link"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(output.resolve("dirlink"), Path.of("/etc"));
    Path zip = dir.resolve("r.zip");

    boolean truncated =
        ResultZip.write(
            zip,
            List.of(
                new ResultZip.TopLevel("stdout.txt", stdout),
                new ResultZip.TopLevel("build.log", dir.resolve("missing"))),
            output,
            1 << 20,
            t -> ("{\"truncated\":" + t + "}").getBytes(StandardCharsets.UTF_8));

    assertThat(truncated).isFalse();
    Map<String, String> entries = read(zip);
    assertThat(entries)
        .containsOnlyKeys("stdout.txt", "output/a/b/c.txt", "result.json")
        .containsEntry("output/a/b/c.txt", "deep")
        .containsEntry("result.json", "{\"truncated\":false}");
  }

  @Test
  void filesBeyondTheCapAreLeftOutAndSaidSo() throws Exception {
    Path output = Files.createDirectories(dir.resolve("output"));
    Files.write(output.resolve("big.bin"), new byte[4096]);
    Files.write(output.resolve("small.txt"), new byte[10]);
    Path zip = dir.resolve("r.zip");

    boolean truncated =
        ResultZip.write(
            zip,
            List.of(),
            output,
            ResultZip.RESULT_JSON_RESERVE + 1000,
            t -> ("" + t).getBytes(StandardCharsets.UTF_8));

    assertThat(truncated).isTrue();
    assertThat(read(zip)).containsOnlyKeys("output/small.txt", "result.json");
  }

  @Test
  void entryNamesAreRelativeAndClean() {
    Path root = Path.of("/w/output");
    assertThat(ResultZip.entryName(root, Path.of("/w/output/a/b.txt"))).isEqualTo("a/b.txt");
    assertThat(ResultZip.entryName(root, Path.of("/w/x.txt"))).isNull();
    assertThat(ResultZip.entryName(root, Path.of("/w/output/a\u0001b"))).isNull();
  }
}
