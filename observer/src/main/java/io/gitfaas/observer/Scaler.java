package io.gitfaas.observer;

/**
 * Starts and stops workers. Scaling down stops workers gracefully (SIGTERM): a worker stops pulling
 * and finishes or hands back its task, so no task is lost by scaling.
 */
public interface Scaler {
  /** Workers running now, as the platform reports them. */
  int current() throws Exception;

  /** Makes the platform run {@code workers} workers. */
  void scaleTo(int workers) throws Exception;

  /** Restores workers that died, keeping the count last asked for. */
  default void heal() throws Exception {}

  String describe();
}
