package io.gitfaas.inject;

import io.gitfaas.nats.NatsResources;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectStoreWatchOption;
import io.nats.client.api.ObjectStoreWatcher;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The workers' side: a local copy of the injected files, and word of when it is out of date. */
public final class InjectedFilesMirror {
  private static final String DIGEST_PREFIX = ".digest.";
  private static final String INCOMING_PREFIX = ".incoming-";

  private final NatsResources resources;

  public InjectedFilesMirror(NatsResources resources) {
    this.resources = resources;
  }

  /**
   * Calls {@code onChange} whenever an injected file is stored or deleted, until the returned
   * handle is closed.
   */
  public AutoCloseable watch(Runnable onChange) throws IOException {
    try {
      return resources
          .injected()
          .watch(
              new ObjectStoreWatcher() {
                @Override
                public void watch(ObjectInfo info) {
                  onChange.run();
                }

                @Override
                public void endOfData() {}
              },
              ObjectStoreWatchOption.UPDATES_ONLY);
    } catch (JetStreamApiException e) {
      throw new IOException("could not watch injected files", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Copies every injected file into {@code dir} and removes what was deleted. */
  public void mirror(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
      List<ObjectInfo> infos = resources.injected().getList();
      Set<String> keep = new HashSet<>();
      for (ObjectInfo info : infos) {
        if (info.isDeleted() || !InjectedFileName.isSafe(info.getObjectName())) {
          continue;
        }
        String name = info.getObjectName();
        keep.add(name);
        Path stamp = dir.resolve(DIGEST_PREFIX + name);
        String digest = info.getDigest();
        if (Files.exists(dir.resolve(name))
            && Files.exists(stamp)
            && Files.readString(stamp).equals(digest)) {
          continue;
        }
        Path tmp = Files.createTempFile(dir, INCOMING_PREFIX, ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
          resources.injected().get(name, out);
        }
        tmp.toFile().setReadable(true, false);
        Files.move(
            tmp,
            dir.resolve(name),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(stamp, digest);
      }
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          String n = p.getFileName().toString();
          String base = n.startsWith(DIGEST_PREFIX) ? n.substring(DIGEST_PREFIX.length()) : n;
          if (!keep.contains(base) || n.startsWith(INCOMING_PREFIX)) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (JetStreamApiException | NoSuchAlgorithmException e) {
      throw new IOException("could not mirror injected files", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
