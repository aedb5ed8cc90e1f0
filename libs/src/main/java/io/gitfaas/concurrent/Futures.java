package io.gitfaas.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** Work started beside other work, and waiting on it. */
public final class Futures {
  /** Short reads (a round trip to NATS) made while the caller does something else. */
  private static final ExecutorService BESIDE =
      Executors.newCachedThreadPool(DaemonThreads.named("read-beside"));

  private Futures() {}

  /** Starts {@code read} on a thread of its own; {@link #valueOf} waits for it. */
  public static <T> CompletableFuture<T> beside(Supplier<T> read) {
    return CompletableFuture.supplyAsync(read, BESIDE);
  }

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
