package io.gitfaas.task;

import java.util.UUID;

/**
 * Where a running task's output is published as it is produced: core NATS subjects per user and
 * task (nothing is stored; whoever listens sees it, the zip keeps it).
 */
public final class LiveOutput {
  public static final String PREFIX = "output";
  public static final String END = "end";

  private LiveOutput() {}

  /** {@code output.<user key>.<task id>.<stream>}, stream being stdout, stderr or end. */
  public static String subject(String owner, UUID taskId, String stream) {
    return PREFIX + "." + UserKey.of(owner) + "." + taskId + "." + stream;
  }

  /** Every stream of one task. */
  public static String allOf(String owner, UUID taskId) {
    return PREFIX + "." + UserKey.of(owner) + "." + taskId + ".*";
  }
}
