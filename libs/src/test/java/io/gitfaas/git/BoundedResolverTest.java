package io.gitfaas.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gitfaas.config.Settings.GitSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BoundedResolverTest {
  /**
   * A name server that never answers until the test ends; like the system's, deaf to interrupts.
   */
  final CountDownLatch release = new CountDownLatch(1);

  final CountDownLatch started = new CountDownLatch(1);

  final GitUrlPolicy.Resolver hanging =
      host -> {
        if (host.equals("fast.example")) {
          return new InetAddress[] {InetAddress.getByName("93.184.216.34")};
        }
        started.countDown();
        boolean interrupted = false;
        while (release.getCount() > 0) {
          try {
            release.await();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
        throw new UnknownHostException(host);
      };

  @AfterEach
  void releaseLookups() {
    release.countDown();
  }

  @Test
  void aSlowLookupEndsAtItsDeadlineWithAClearRefusal() throws Exception {
    var resolver = new BoundedResolver(hanging, 2, 2, Duration.ofMillis(200));
    var policy = new GitUrlPolicy(new GitSettings(Set.of(), false, false, 1 << 20), resolver);
    assertThatThrownBy(() -> policy.check("https://slow.example/a/b.git"))
        .isInstanceOf(RejectedUrlException.class)
        .hasMessage("host 'slow.example' did not resolve within 200 ms");
    assertThat(policy.check("https://fast.example/a/b.git").getHost()).isEqualTo("fast.example");
  }

  @Test
  void whenEveryLookupPlaceIsTakenTheNextIsRefusedAtOnce() throws Exception {
    var resolver = new BoundedResolver(hanging, 1, 1, Duration.ofSeconds(30));
    // One lookup holds the thread, one waits in the queue, each for a caller of its own.
    var callers = Executors.newFixedThreadPool(2);
    try {
      callers.submit(() -> resolver.resolve("a.example"));
      started.await();
      callers.submit(() -> resolver.resolve("b.example"));
      while (resolver.waiting() < 1) {
        Thread.onSpinWait();
      }
      assertThatThrownBy(() -> resolver.resolve("c.example"))
          .isInstanceOf(BoundedResolver.BusyException.class)
          .hasMessageContaining("try again");
    } finally {
      release.countDown();
      callers.shutdownNow();
    }
  }
}
