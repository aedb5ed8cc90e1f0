package io.gitfaas.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link ResultStore} does, run against each implementation. */
abstract class ResultStoreContract {
  @TempDir Path dir;

  abstract ResultStore store();

  /** A store of its own that may hold at most {@code maxBytes}. */
  abstract ResultStore storeOfAtMost(long maxBytes) throws Exception;

  Path zip(String entry, byte[] content) throws Exception {
    Path zip = Files.createTempFile(dir, "result", ".zip");
    try (var out = new ZipOutputStream(Files.newOutputStream(zip))) {
      out.putNextEntry(new ZipEntry(entry));
      out.write(content);
      out.closeEntry();
    }
    return zip;
  }

  @Test
  void aResultIsKeptPerOwnerTaskAndAttempt() throws Exception {
    UUID id = UUID.randomUUID();
    byte[] big = new byte[3 * 1024 * 1024 + 17];
    new Random(1).nextBytes(big);
    Path zip = zip("stdout.txt", big);
    store().put("res@example.com", id, 1, zip);

    assertThat(store().size("res@example.com", id, 1)).hasValue(Files.size(zip));
    assertThat(store().size("thief@example.com", id, 1)).isEmpty();
    assertThat(store().size("res@example.com", id, 2)).isEmpty();
    var out = new ByteArrayOutputStream();
    store().copyTo("res@example.com", id, 1, out);
    assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(zip));
  }

  @Test
  void anExcerptIsTheHeadOfOneFileAndItsSize() throws Exception {
    UUID id = UUID.randomUUID();
    store().put("ex@example.com", id, 1, zip("stdout.txt", "hello world".getBytes()));

    var excerpt = store().excerpt("ex@example.com", id, 1, "stdout.txt", 5).orElseThrow();
    assertThat(new String(excerpt.head())).isEqualTo("hello");
    assertThat(excerpt.size()).isEqualTo(11);
    assertThat(excerpt.truncated()).isTrue();
    assertThat(store().excerpt("ex@example.com", id, 1, "stderr.txt", 5)).isEmpty();
  }

  @Test
  void aLosingAttemptsResultIsRemovedAlone() throws Exception {
    UUID id = UUID.randomUUID();
    store().put("del@example.com", id, 1, zip("stdout.txt", "first".getBytes()));
    store().put("del@example.com", id, 2, zip("stdout.txt", "second".getBytes()));

    store().delete("del@example.com", id, 1);
    assertThat(store().size("del@example.com", id, 1)).isEmpty();
    assertThat(store().size("del@example.com", id, 2)).isPresent();
  }

  @Test
  void aFullStoreRefusesTheNextResultAndKeepsWhatItHolds() throws Exception {
    ResultStore small = storeOfAtMost(1 << 20);
    byte[] noise = new byte[600_000];
    new Random(3).nextBytes(noise);
    Path zip = zip("stdout.txt", noise);
    UUID first = UUID.randomUUID();
    small.put("full@example.com", first, 1, zip);
    UUID second = UUID.randomUUID();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> small.put("other@example.com", second, 1, zip))
        .isInstanceOf(StoreFullException.class)
        .hasMessageContaining("RESULTS_STORE_MAX_BYTES");
    assertThat(small.size("other@example.com", second, 1)).isEmpty();
    var out = new ByteArrayOutputStream();
    small.copyTo("full@example.com", first, 1, out);
    assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(zip));
  }
}
