package io.gitfaas.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting on work started beside other work. */
public final class Futures {
  private Futures() {}

  /**
   * The future's value, once it has one; what it threw is thrown as it was (not wrapped), so a
   * caller handles a failed read made beside other work as it would handle the read made in line.
   */
  public static <T> T valueOf(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException thrown) {
        throw thrown;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }
}
