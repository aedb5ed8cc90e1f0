package io.gitfaas.worker;

import io.gitfaas.inject.InjectionStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The injected files as a local directory that every run sees read-only under INJECT_DIR, brought
 * up to date from the object store before each run (only changed files are fetched). When NATS
 * cannot be reached the run sees the last copy.
 */
final class MirroredInjectedFiles implements TaskExecutor.InjectedFiles {
  private static final Logger LOG = LoggerFactory.getLogger(MirroredInjectedFiles.class);

  private final InjectionStore store;
  private final Path dir;

  MirroredInjectedFiles(InjectionStore store, Path dir) {
    this.store = store;
    this.dir = dir;
  }

  @Override
  public synchronized Path refresh() {
    try {
      Files.createDirectories(dir);
      store.mirror(dir);
    } catch (IOException | RuntimeException e) {
      LOG.warn("injected files not refreshed, runs see the last copy: {}", e.toString());
      if (!Files.isDirectory(dir)) {
        throw new UncheckedIOException(new IOException("no injected files directory", e));
      }
    }
    return dir;
  }
}
