package io.gitfaas.worker;

import io.gitfaas.concurrent.DaemonThreads;
import io.gitfaas.worker.limits.DiskWatch;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one user keeps on a worker, within one limit (USER_CACHE_LIMIT): the build caches of each
 * runtime (which the user's build steps write) and the kept clones and builds. When the user is
 * over, whole units go, least recently used first: a runtime's cache, one kept clone, one kept
 * build. Never half a unit, which could leave a cache that builds wrong.
 */
final class UserCaches {
  private static final Logger LOG = LoggerFactory.getLogger(UserCaches.class);

  /** Directories whose entries are units of their own (see KeptEntries). */
  private static final Set<String> KEPT = Set.of("sources", "builds");

  private final Path root;
  private final long limit;

  UserCaches(Path root, long limit) {
    this.root = root;
    this.limit = limit;
  }

  long limit() {
    return limit;
  }

  /** Users whose caches may have grown since they were last trimmed. */
  private final Set<String> grown = ConcurrentHashMap.newKeySet();

  /** Trims in the background, one user at a time: a task's result never waits for it. */
  private final ExecutorService trimmer =
      Executors.newSingleThreadExecutor(DaemonThreads.named("cache-trimmer"));

  /**
   * The user's cache for {@code runtime}, created if needed and marked as just used; the user's
   * caches are checked against the limit after the task.
   */
  Path runtimeCache(String userKey, String runtime) throws IOException {
    grown.add(userKey);
    Path cache = root.resolve(userKey).resolve(runtime);
    Files.createDirectories(cache);
    Files.setLastModifiedTime(cache, FileTime.fromMillis(System.currentTimeMillis()));
    return cache;
  }

  /**
   * As {@link #runtimeCache(String, String)}; a user's first cache of the runtime starts as a copy
   * of {@code template} (null: empty). The copy is made beside it and renamed into place: nothing
   * is ever written into, or through, a directory the user's builds have had.
   */
  Path runtimeCache(String userKey, String runtime, Path template) throws IOException {
    Path cache = root.resolve(userKey).resolve(runtime);
    if (template != null && !Files.exists(cache, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(cache.getParent());
      Path copy = Files.createTempDirectory(cache.getParent(), "." + runtime + "-seeding-");
      try {
        KeptEntries.copyTree(template, copy, false);
        Files.move(copy, cache, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        LOG.debug("{}'s {} cache was made by another task meanwhile", userKey, runtime);
      } finally {
        Trees.removeQuietly(copy);
      }
    }
    return runtimeCache(userKey, runtime);
  }

  /** Notes that something was kept for the user (a clone, a build). */
  void kept(String userKey) {
    grown.add(userKey);
  }

  /** Trims the user's caches in the background if a build or a kept entry may have grown them. */
  void trimIfGrown(String userKey) {
    if (grown.remove(userKey)) {
      trimmer.execute(() -> trim(userKey));
    }
  }

  /** Removes the user's least recently used units until what is left fits the limit. */
  void trim(String userKey) {
    Path user = root.resolve(userKey);
    if (!Files.isDirectory(user, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      List<Unit> units = units(user);
      long total = units.stream().mapToLong(Unit::bytes).sum();
      units.sort(Comparator.comparing(Unit::used));
      for (Unit unit : units) {
        if (total <= limit) {
          break;
        }
        Trees.remove(unit.dir());
        total -= unit.bytes();
        LOG.info(
            "evicted {} ({} bytes) to keep {} within USER_CACHE_LIMIT",
            unit.dir(),
            unit.bytes(),
            userKey);
      }
    } catch (IOException e) {
      LOG.warn("could not trim the caches of {}: {}", userKey, e.toString());
    }
  }

  private record Unit(Path dir, long bytes, FileTime used) {}

  private static List<Unit> units(Path user) throws IOException {
    List<Unit> units = new ArrayList<>();
    for (Path child : list(user)) {
      String name = child.getFileName().toString();
      if (KEPT.contains(name)) {
        for (Path entry : list(child)) {
          units.add(unit(entry));
        }
      } else if (!name.equals("repositories") && !name.startsWith(".")) {
        // (a cache being seeded from a template is not a unit yet)
        units.add(unit(child));
      }
    }
    return units;
  }

  private static Unit unit(Path dir) throws IOException {
    return new Unit(
        dir,
        DiskWatch.usage(List.of(dir)),
        Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try (Stream<Path> all = Files.list(dir)) {
      return all.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }
  }
}
