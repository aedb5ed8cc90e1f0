package io.gitfaas.concurrent;

import java.util.concurrent.ThreadFactory;

/** Threads for a service's background work: named for thread dumps, never keeping a JVM up. */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory of daemon threads, each called {@code name}. */
  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
