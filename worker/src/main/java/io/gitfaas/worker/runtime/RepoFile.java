package io.gitfaas.worker.runtime;

import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Set;

/**
 * The only way the worker reads a file of a task's repository: at the repository root, never
 * through a symbolic link (a link to /etc/passwd would have the worker read the host's file, not
 * the repository's), and never more than {@link #MAX_BYTES}. Whatever is wrong with the file is the
 * task's fault and says so in terms of the task's own file.
 */
public final class RepoFile {
  /** No manifest a build needs comes near this; a bigger one is refused, never read whole. */
  public static final int MAX_BYTES = 1 << 20;

  private RepoFile() {}

  /** Whether {@code name} is at the root, as a file or as a link (links are refused on reading). */
  public static boolean present(Path src, String name) {
    return Files.exists(src.resolve(name), LinkOption.NOFOLLOW_LINKS);
  }

  /** The file's bytes; empty when there is no such file. */
  public static Optional<byte[]> read(Path src, String name) throws RefusedBuildException {
    Path file = src.resolve(name);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RefusedBuildException(name + " cannot be read");
    }
    if (attrs.isSymbolicLink()) {
      throw new RefusedBuildException(name + " is a symbolic link; it must be a plain file");
    }
    if (!attrs.isRegularFile()) {
      throw new RefusedBuildException(name + " is not a plain file");
    }
    if (attrs.size() > MAX_BYTES) {
      throw new RefusedBuildException(name + " is larger than " + (MAX_BYTES >> 20) + " MiB");
    }
    // O_NOFOLLOW: a link put in its place since the check above is refused by the kernel.
    try (SeekableByteChannel in =
        Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      ByteBuffer buffer = ByteBuffer.allocate(MAX_BYTES + 1);
      while (buffer.hasRemaining() && in.read(buffer) >= 0) {
        // reads until the end or one byte past the cap
      }
      if (!buffer.hasRemaining()) {
        throw new RefusedBuildException(name + " is larger than " + (MAX_BYTES >> 20) + " MiB");
      }
      byte[] bytes = new byte[buffer.position()];
      buffer.flip().get(bytes);
      return Optional.of(bytes);
    } catch (IOException e) {
      throw new RefusedBuildException(name + " cannot be read");
    }
  }

  /** The file as UTF-8 text; empty when there is no such file. */
  public static Optional<String> readText(Path src, String name) throws RefusedBuildException {
    Optional<byte[]> bytes = read(src, name);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.get()))
              .toString());
    } catch (CharacterCodingException e) {
      throw new RefusedBuildException(name + " is not valid UTF-8 text");
    }
  }
}
