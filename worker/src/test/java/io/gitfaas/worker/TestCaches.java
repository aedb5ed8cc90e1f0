package io.gitfaas.worker;

import java.nio.file.Path;

/**
 * One build cache for all worker tests of a run, so Go's standard library is compiled once (caches
 * are per user inside it, as in production).
 */
final class TestCaches {
  private TestCaches() {}

  static Path goCache() {
    return Path.of(System.getProperty("java.io.tmpdir"), "gitfaas-test-cache");
  }
}
