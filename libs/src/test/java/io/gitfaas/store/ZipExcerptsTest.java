package io.gitfaas.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class ZipExcerptsTest {
  /** stdout.txt, then 8 MiB that do not compress, then stderr.txt: a result's layout. */
  static byte[] zip() throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("stdout.txt"));
      zip.write("hello world".getBytes());
      zip.putNextEntry(new ZipEntry("output/big.bin"));
      byte[] noise = new byte[8 << 20];
      new Random(7).nextBytes(noise);
      zip.write(noise);
      zip.putNextEntry(new ZipEntry("stderr.txt"));
      zip.write("oops".getBytes());
    }
    return bytes.toByteArray();
  }

  @Test
  void theFirstFileIsReadWithoutFetchingTheRest() throws Exception {
    byte[] zip = zip();
    CompletableFuture<Integer> written = new CompletableFuture<>();
    var excerpt =
        ZipExcerpts.excerpt(
                out -> {
                  int sent = 0;
                  try {
                    for (; sent < zip.length; sent += 4096) {
                      out.write(zip, sent, Math.min(4096, zip.length - sent));
                    }
                  } catch (IOException readerDone) {
                    written.complete(sent);
                    throw new UncheckedIOException(readerDone);
                  }
                  written.complete(sent);
                },
                "stdout.txt",
                5)
            .orElseThrow();
    assertThat(new String(excerpt.head())).isEqualTo("hello");
    assertThat(excerpt.size()).isEqualTo(11);
    // The source was cut off long before the end of the zip.
    assertThat(written.get(10, TimeUnit.SECONDS)).isLessThan(zip.length / 2);
  }

  @Test
  void aLaterFileAndAMissingOneAreFoundOrNot() throws Exception {
    byte[] zip = zip();
    var stderr = ZipExcerpts.excerpt(out -> write(out, zip), "stderr.txt", 100).orElseThrow();
    assertThat(new String(stderr.head())).isEqualTo("oops");
    assertThat(stderr.truncated()).isFalse();
    assertThat(ZipExcerpts.excerpt(out -> write(out, zip), "result.json", 100)).isEmpty();
  }

  static void write(java.io.OutputStream out, byte[] bytes) {
    try {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
