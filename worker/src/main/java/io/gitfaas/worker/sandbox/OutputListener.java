package io.gitfaas.worker.sandbox;

/** Hears a program's output as it is written (what is kept: the capped part). */
@FunctionalInterface
public interface OutputListener {
  OutputListener NONE = chunk -> {};

  void chunk(byte[] bytes);
}
