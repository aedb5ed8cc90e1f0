package io.gitfaas.worker.result;

import com.fasterxml.jackson.annotation.JsonValue;

/** A limit that can stop a task, named in result.json by the setting that sets it. */
public enum Limit {
  /** The time limit of whatever ran: the run's or the build's, see {@link #RUN_TIMEOUT}. */
  TIME("TIMEOUT"),
  RUN_TIMEOUT("TASK_RUN_TIMEOUT"),
  BUILD_TIMEOUT("TASK_BUILD_TIMEOUT"),
  DISK("TASK_DISK_LIMIT"),
  MEMORY("TASK_MEMORY_LIMIT"),
  PROCESSES("TASK_MAX_PROCESSES"),
  USER_CACHE("USER_CACHE_LIMIT"),
  BUILD_NETWORK("BUILD_NETWORK"),
  MAX_ATTEMPTS("TASK_MAX_ATTEMPTS"),
  TTL("TASK_TTL");

  private final String setting;

  Limit(String setting) {
    this.setting = setting;
  }

  /** The setting that sets this limit, as result.json and reasons name it. */
  @JsonValue
  public String setting() {
    return setting;
  }

  /** {@link #TIME} as the given time limit; any other limit as itself. */
  public Limit timedOutAs(Limit timeout) {
    return this == TIME ? timeout : this;
  }
}
