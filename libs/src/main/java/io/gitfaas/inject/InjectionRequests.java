package io.gitfaas.inject;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * The frontend's side of injected files: it stages an upload and asks the injector to store or
 * delete a file; the injector is the only writer of the injected files (see {@link
 * InjectionApplier}), workers keep a copy (see {@link InjectedFilesMirror}).
 */
public interface InjectionRequests {
  /** An upload over the size limit. */
  final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    public TooLargeException(long max) {
      super("the file is larger than " + max + " bytes (INJECT_MAX_BYTES)");
    }
  }

  /** An injected file as admins see it. */
  record InjectedFile(String name, long size, Instant modified) {}

  /**
   * Stages the content and asks the injector to store it under {@code name}.
   *
   * @throws TooLargeException when the content is longer than {@code maxBytes}; nothing is kept
   */
  InjectionRequest stage(String name, InputStream content, long maxBytes, String by)
      throws IOException;

  void requestDelete(String name, String by);

  /** The injected files, by name. */
  List<InjectedFile> list();

  /** Names of uploads the injector has not stored yet. */
  List<String> pending();
}
