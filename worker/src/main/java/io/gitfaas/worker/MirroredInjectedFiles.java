package io.gitfaas.worker;

import io.gitfaas.inject.InjectedFilesMirror;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The injected files as a local directory that every run sees read-only under INJECT_DIR. A watch
 * of the object store marks the copy out of date when a file is stored or deleted; a run then
 * brings it up to date first (fetching only changed files). Without a working watch, and at least
 * every {@link #RECHECK}, every run checks. When NATS cannot be reached the run sees the last copy.
 */
final class MirroredInjectedFiles implements TaskExecutor.InjectedFiles {
  private static final Logger LOG = LoggerFactory.getLogger(MirroredInjectedFiles.class);
  static final Duration RECHECK = Duration.ofSeconds(30);

  private final InjectedFilesMirror store;
  private final Path dir;
  private final AtomicBoolean stale = new AtomicBoolean(true);
  private AutoCloseable watch;
  private long checkedAt;

  MirroredInjectedFiles(InjectedFilesMirror store, Path dir) {
    this.store = store;
    this.dir = dir;
  }

  @Override
  public synchronized Path refresh() {
    watch();
    boolean due = System.nanoTime() - checkedAt > RECHECK.toNanos();
    if (stale.getAndSet(false) || due || watch == null) {
      try {
        Files.createDirectories(dir);
        store.mirror(dir);
        checkedAt = System.nanoTime();
      } catch (IOException | RuntimeException e) {
        stale.set(true);
        LOG.warn("injected files not refreshed, runs see the last copy: {}", e.toString());
        if (!Files.isDirectory(dir)) {
          throw new UncheckedIOException(new IOException("no injected files directory", e));
        }
      }
    }
    return dir;
  }

  /** Starts the watch once the store exists; a change seen before the copy is made is kept. */
  private void watch() {
    if (watch == null) {
      try {
        watch = store.watch(() -> stale.set(true));
        stale.set(true); // what changed before the watch began
      } catch (IOException | RuntimeException e) {
        LOG.debug("injected files not watched yet: {}", e.toString());
      }
    }
  }
}
