package io.gitfaas.callback;

import io.gitfaas.task.TaskRecord;
import java.util.Objects;

/** A callback to send: the final record of the owner's task, to the URL the task named. */
public record Callback(String owner, String url, TaskRecord record) {
  public Callback {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(record, "record");
  }

  /** The callback a task that just ended asks for, if it asked for one. */
  public static java.util.Optional<Callback> of(String owner, TaskRecord ended) {
    return ended.callbackUrl() == null || !ended.isTerminal()
        ? java.util.Optional.empty()
        : java.util.Optional.of(new Callback(owner, ended.callbackUrl(), ended));
  }
}
