package io.gitfaas.frontend.api;

import java.util.UUID;

/** A running task's output as the worker publishes it: nothing is stored, listeners see it live. */
public interface OutputFeed {
  /** What a listener is told: the stream ({@code stdout}, {@code stderr}) and its text. */
  interface Listener {
    void output(String stream, String text);
  }

  /** Calls {@code listener} for every chunk of the task's output until the handle is closed. */
  AutoCloseable listen(String owner, UUID taskId, Listener listener);
}
