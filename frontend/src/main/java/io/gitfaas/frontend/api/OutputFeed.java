package io.gitfaas.frontend.api;

import java.util.UUID;

/** A running task's output as the worker publishes it: nothing is stored, listeners see it live. */
public interface OutputFeed {
  /** What a listener is told, on one thread per feed. */
  interface Listener {
    /** A chunk of {@code stream} ({@code stdout}, {@code stderr}). */
    void output(String stream, String text);

    /** The worker recorded how the task ended: its record is final. */
    void ended();
  }

  /** Tells {@code listener} of the task's output and end until the handle is closed. */
  AutoCloseable listen(String owner, UUID taskId, Listener listener);
}
