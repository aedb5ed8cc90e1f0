package io.gitfaas.system;

import java.util.List;
import java.util.Optional;

/**
 * What the observer publishes for admins: the latest status, the chart's history and every scaling
 * decision (kept one day). The observer writes, the frontend reads.
 */
public interface SystemStatusStore {
  void publish(SystemStatus status);

  void publish(SystemHistory history);

  /** The latest status; empty before the observer's first look. */
  Optional<SystemStatus> status();

  /** The last published history; empty when there is none or it is not one (an old format). */
  SystemHistory history();

  void record(ScalingDecision decision);

  /** The newest decisions, newest first. */
  List<ScalingDecision> decisions(int limit);
}
