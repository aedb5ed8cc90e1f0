package io.gitfaas.worker.fair;

import java.time.Instant;
import java.util.Map;

/**
 * The rule, apart from where its figures come from. A user's task lets another go first when some
 * other user has tasks waiting (queued, not running) and either runs fewer tasks, or runs as many
 * and started one less recently. So a free slot goes to the user who runs least and, among equals,
 * to the one served longest ago: a user with one task does not wait behind another's backlog, users
 * with backlogs take turns, and a user alone uses every slot.
 */
public final class FairSharePolicy {
  private FairSharePolicy() {}

  /**
   * @param user the task's user
   * @param inQueue each user's tasks in the queue, running ones included (the queue keeps a task
   *     until it ends)
   * @param running each user's running tasks
   * @param lastStarted when each user's last task started; a user missing has not started one
   *     lately
   */
  public static boolean shouldYield(
      String user,
      Map<String, Long> inQueue,
      Map<String, Integer> running,
      Map<String, Instant> lastStarted) {
    int mine = running.getOrDefault(user, 0);
    Instant myLast = lastStarted.get(user);
    for (var entry : inQueue.entrySet()) {
      String other = entry.getKey();
      if (other.equals(user)) {
        continue;
      }
      int theirs = running.getOrDefault(other, 0);
      if (entry.getValue() - theirs <= 0) {
        continue; // everything of theirs runs already
      }
      if (theirs < mine) {
        return true;
      }
      Instant theirLast = lastStarted.get(other);
      if (theirs == mine && myLast != null && (theirLast == null || theirLast.isBefore(myLast))) {
        return true;
      }
    }
    return false;
  }
}
