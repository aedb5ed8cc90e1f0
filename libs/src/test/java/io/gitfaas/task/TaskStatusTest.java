package io.gitfaas.task;

import static io.gitfaas.task.TaskStatus.EXECUTING;
import static io.gitfaas.task.TaskStatus.FINISHED;
import static io.gitfaas.task.TaskStatus.FINISHED_ERRORS;
import static io.gitfaas.task.TaskStatus.PENDING;
import static io.gitfaas.task.TaskStatus.UNEXPECTED_ERRORS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TaskStatusTest {
  /** The whole table of allowed moves; everything else is refused. */
  static final Set<List<TaskStatus>> ALLOWED =
      Set.of(
          List.of(PENDING, EXECUTING),
          List.of(PENDING, FINISHED),
          List.of(PENDING, FINISHED_ERRORS),
          List.of(PENDING, UNEXPECTED_ERRORS),
          List.of(EXECUTING, PENDING),
          List.of(EXECUTING, FINISHED),
          List.of(EXECUTING, FINISHED_ERRORS),
          List.of(EXECUTING, UNEXPECTED_ERRORS));

  @Test
  void everyMoveFollowsTheTable() {
    for (TaskStatus from : TaskStatus.values()) {
      for (TaskStatus to : TaskStatus.values()) {
        assertThat(from.canMoveTo(to))
            .as(from + " -> " + to)
            .isEqualTo(ALLOWED.contains(List.of(from, to)));
      }
    }
  }

  @Test
  void codesAreThoseOfTheOriginalSystem() {
    assertThat(List.of(PENDING, EXECUTING, FINISHED, FINISHED_ERRORS, UNEXPECTED_ERRORS))
        .extracting(TaskStatus::code)
        .containsExactly(100, 200, 300, 400, 500);
    assertThat(TaskStatus.terminal())
        .containsExactlyInAnyOrder(FINISHED, FINISHED_ERRORS, UNEXPECTED_ERRORS);
  }

  @Test
  void recordsRefuseMovesTheTableForbids() {
    var request =
        new TaskRequest(
            UUID.randomUUID(), "a@b.c", "https://x/y", null, List.of("p"), Instant.now());
    TaskRecord pending = TaskRecord.pending(request);
    TaskRecord done =
        pending.executing(Instant.now(), 1).finished(FINISHED, Instant.now(), 0, null, null);

    assertThat(done.status()).isEqualTo(FINISHED);
    assertThat(done.code()).isEqualTo(300);
    assertThatThrownBy(() -> done.executing(Instant.now(), 2))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> done.requeued("x")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> pending.requeued("x")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> pending.finished(EXECUTING, Instant.now(), null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void userKeysAreStableAndCaseInsensitive() {
    assertThat(UserKey.of("Alice@Example.com ")).isEqualTo(UserKey.of("alice@example.com"));
    assertThat(UserKey.of("alice@example.com")).matches("[0-9a-f]{32}");
    assertThat(UserKey.of("bob@example.com")).isNotEqualTo(UserKey.of("alice@example.com"));
  }
}
