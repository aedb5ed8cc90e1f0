package io.gitfaas.observer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SCALER=none: another controller (KEDA, a HorizontalPodAutoscaler) scales the workers, so the
 * observer writes no scale and two controllers never fight over one. It still samples the queue and
 * reports; the worker count it reports is the one it would have asked for, starting at the minimum,
 * and its decisions are advice in the log and the system status.
 */
final class ReportOnlyScaler implements Scaler {
  private static final Logger LOG = LoggerFactory.getLogger(ReportOnlyScaler.class);

  private volatile int advised;

  ReportOnlyScaler(int minWorkers) {
    this.advised = minWorkers;
  }

  @Override
  public int current() {
    return advised;
  }

  @Override
  public void scaleTo(int workers) {
    LOG.info("would scale to {} workers; SCALER=none leaves it to another controller", workers);
    advised = workers;
  }

  @Override
  public String describe() {
    return "none (reports only; another controller scales the workers)";
  }
}
