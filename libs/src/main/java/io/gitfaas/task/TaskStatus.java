package io.gitfaas.task;

import java.util.EnumSet;
import java.util.Set;

/** The life cycle of a task. Codes are those of the original system and part of the API. */
public enum TaskStatus {
  PENDING(100),
  EXECUTING(200),
  FINISHED(300),
  FINISHED_ERRORS(400),
  UNEXPECTED_ERRORS(500);

  private final int code;

  TaskStatus(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public boolean isTerminal() {
    return this == FINISHED || this == FINISHED_ERRORS || this == UNEXPECTED_ERRORS;
  }

  /**
   * The one rule for status changes. EXECUTING may go back to PENDING when the worker that held the
   * task died and the queue hands it to another; nothing leaves a terminal state.
   */
  public boolean canMoveTo(TaskStatus next) {
    return switch (this) {
      case PENDING -> next == EXECUTING || next.isTerminal();
      case EXECUTING -> next == PENDING || next.isTerminal();
      case FINISHED, FINISHED_ERRORS, UNEXPECTED_ERRORS -> false;
    };
  }

  public static Set<TaskStatus> terminal() {
    return EnumSet.of(FINISHED, FINISHED_ERRORS, UNEXPECTED_ERRORS);
  }
}
