package io.gitfaas.worker.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Where the host's toolchains are, as the sandbox must see them. */
final class Toolchains {
  private static final int DEPTH = 3;

  private Toolchains() {}

  /**
   * Where the sandbox sees the tool installed at {@code home}: at its own path when it is in a
   * system directory the sandbox shows anyway (Debian's Maven links its jars with relative paths
   * into /usr/share/java), else at {@code elsewhere}, where {@link #bind} puts it.
   */
  static String inside(Path home, String elsewhere) {
    String path = home.toString() + "/";
    return path.startsWith("/usr/") ? home.toString() : elsewhere;
  }

  /** The bind that shows {@code home} at {@code inside}; none when the sandbox shows it already. */
  static Map<Path, String> bind(Path home, String inside) {
    return home.toString().equals(inside) ? Map.of() : Map.of(home, inside);
  }

  /**
   * The configuration directories under /etc that files of {@code home} link to (Debian's JDK links
   * its conf files to /etc/java-17-openjdk, its Maven its conf to /etc/maven), each bound at its
   * own path: the sandbox shows no /etc but a few files.
   */
  static Map<Path, String> linkedConfig(Path home) {
    Map<Path, String> binds = new TreeMap<>();
    if (!Files.isDirectory(home)) {
      return binds;
    }
    try (Stream<Path> files = Files.walk(home, DEPTH)) {
      files
          .filter(Files::isSymbolicLink)
          .forEach(
              link -> {
                try {
                  Path target = Files.readSymbolicLink(link);
                  if (target.isAbsolute()
                      && target.startsWith("/etc")
                      && target.getNameCount() > 1) {
                    Path dir = Path.of("/etc").resolve(target.getName(1));
                    if (Files.isDirectory(dir)) {
                      binds.put(dir, dir.toString());
                    }
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return binds;
  }
}
