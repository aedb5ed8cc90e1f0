package io.gitfaas.worker.limits;

import java.io.IOException;

/**
 * The control group one sandboxed program runs in: memory and process limits for the program as a
 * whole, and what it used. Closing it kills what is left and removes it.
 */
public interface TaskCgroup extends AutoCloseable {
  /** Moves a process into the group; its later children are born inside. */
  void join(long pid) throws IOException;

  /** What the group used and hit, as far as this host can tell. */
  Usage usage();

  @Override
  void close();

  /**
   * @param peakMemoryBytes null where not measurable
   * @param cpuMillis null where not measurable
   */
  record Usage(Long peakMemoryBytes, Long cpuMillis, boolean oomKilled, boolean processLimitHit) {
    public static final Usage UNKNOWN = new Usage(null, null, false, false);
  }
}
