package io.gitfaas.frontend.api;

import io.gitfaas.task.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * One page of a user's tasks, newest first, and the cursor of the next: the position after the
 * page's last task (its creation time and id), so tasks created or expired meanwhile neither repeat
 * nor shift a page.
 */
record TaskPage(List<TaskRecord> tasks, String next) {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  /** Where a task stands in the list. */
  private record Position(Instant createdAt, UUID taskId) {
    static Position of(TaskRecord task) {
      return new Position(task.createdAt(), task.taskId());
    }
  }

  /** Newest first; the id orders tasks created in the same instant. */
  private static final Comparator<Position> ORDER =
      Comparator.comparing(Position::createdAt).thenComparing(Position::taskId).reversed();

  static TaskPage of(List<TaskRecord> all, String limitParam, String cursorParam) {
    int limit = limit(limitParam);
    // An empty cursor is the first page, as absent is (a client's unset variable).
    Position after = cursorParam == null || cursorParam.isEmpty() ? null : decode(cursorParam);
    List<TaskRecord> sorted =
        all.stream()
            .sorted(Comparator.comparing(Position::of, ORDER))
            .filter(t -> after == null || ORDER.compare(Position.of(t), after) > 0)
            .limit(limit + 1L)
            .toList();
    if (sorted.size() <= limit) {
      return new TaskPage(sorted, null);
    }
    List<TaskRecord> page = sorted.subList(0, limit);
    return new TaskPage(page, encode(page.get(limit - 1)));
  }

  private static int limit(String raw) {
    if (raw == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(raw);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new ApiException(400, "'limit' must be a number of tasks from 1 to " + MAX_LIMIT);
  }

  private static String encode(TaskRecord last) {
    String position = last.createdAt() + "|" + last.taskId();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  private static Position decode(String cursor) {
    try {
      String[] parts =
          new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|");
      if (parts.length == 2) {
        return new Position(Instant.parse(parts[0]), UUID.fromString(parts[1]));
      }
    } catch (IllegalArgumentException | DateTimeParseException e) {
      // below
    }
    throw new ApiException(400, "'cursor' is not one this service gave: start without it");
  }
}
