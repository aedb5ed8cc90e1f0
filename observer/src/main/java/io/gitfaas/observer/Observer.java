package io.gitfaas.observer;

import io.gitfaas.config.Settings.ObserverSettings;
import io.gitfaas.system.ScalingDecision;
import io.gitfaas.system.SystemHistory;
import io.gitfaas.system.SystemStatus;
import io.gitfaas.system.SystemStatusStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tick of the observer: sample the queue, replace dead workers, decide, scale, and write what
 * it saw and did. A tick that fails (NATS down, a scaler error) is logged and the next one starts
 * afresh: the loop never dies.
 */
public final class Observer {
  private static final Logger LOG = LoggerFactory.getLogger(Observer.class);
  private static final int MAX_HISTORY = 1000;

  private final LagProbe probe;
  private final StorageProbe storage;
  private final Scaler scaler;
  private final ScalingPolicy policy;
  private final SystemStatusStore store;
  private final ObserverSettings settings;
  private final int tasksPerWorker;
  private final Deque<QueueSample> history = new ArrayDeque<>();

  /**
   * What the last tick saw, for the metrics. One set per process, as the gauges reading it are
   * registered once: a process runs one observer at a time (an observer made after another, as in
   * tests, takes the figures over).
   */
  private static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();

  static {
    for (String name :
        List.of(
            "gitfaas.queue.pending",
            "gitfaas.queue.in.flight",
            "gitfaas.queue.oldest.pending.seconds",
            "gitfaas.workers.current",
            "gitfaas.workers.desired")) {
      AtomicLong value = new AtomicLong();
      SEEN.put(name, value);
      Gauge.builder(name, value, AtomicLong::get).register(Metrics.globalRegistry);
    }
    for (String direction : List.of("up", "down")) {
      Metrics.counter("gitfaas.scaling.decisions", "direction", direction);
    }
  }

  private SystemHistory chart;

  public Observer(
      LagProbe probe,
      StorageProbe storage,
      Scaler scaler,
      ScalingPolicy policy,
      SystemStatusStore store,
      ObserverSettings settings,
      int tasksPerWorker) {
    this.probe = probe;
    this.storage = storage;
    this.scaler = scaler;
    this.policy = policy;
    this.store = store;
    this.settings = settings;
    this.tasksPerWorker = Math.max(1, tasksPerWorker);
  }

  public void tick() {
    try {
      QueueSample sample = probe.sample();
      history.addLast(sample);
      long keepSeconds = settings.scaleDownAfter().toSeconds() + 60;
      while (history.size() > MAX_HISTORY
          || history.peekFirst().at().isBefore(sample.at().minusSeconds(keepSeconds))) {
        history.removeFirst();
      }
      scaler.heal();
      int current = scaler.current();
      int busy = (int) Math.ceil((double) sample.inFlight() / tasksPerWorker);
      var decision = policy.decide(new ArrayList<>(history), current, busy);
      SEEN.get("gitfaas.queue.pending").set(sample.pending());
      SEEN.get("gitfaas.queue.in.flight").set(sample.inFlight());
      SEEN.get("gitfaas.queue.oldest.pending.seconds").set(sample.oldestPendingSeconds());
      SEEN.get("gitfaas.workers.current").set(current);
      SEEN.get("gitfaas.workers.desired").set(decision.desired());
      if (decision.changes()) {
        Metrics.counter(
                "gitfaas.scaling.decisions",
                "direction",
                decision.desired() > current ? "up" : "down")
            .increment();
        LOG.info("scaling {} -> {}: {}", current, decision.desired(), decision.reason());
        scaler.scaleTo(decision.desired());
        store.record(
            new ScalingDecision(
                sample.at(),
                current,
                decision.desired(),
                decision.reason(),
                sample.pending(),
                sample.inFlight()));
      }
      chart = chart().with(sample.at(), current, sample.pending(), sample.inFlight());
      store.publish(chart);
      var stores = storage.sample();
      store.publish(
          new SystemStatus(
              decision.congested() ? SystemStatus.CONGESTED : SystemStatus.OK,
              new SystemStatus.Workers(
                  current, decision.desired(), busy, settings.minWorkers(), settings.maxWorkers()),
              new SystemStatus.Queue(
                  sample.pending(),
                  sample.inFlight(),
                  sample.redelivered(),
                  sample.oldestPendingSeconds()),
              sample.at(),
              stores,
              StorageProbe.warnings(stores)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("observer tick failed, trying again next time: {}", e.toString());
    }
  }

  /** The chart's history, continued from what an earlier observer published. */
  private SystemHistory chart() {
    if (chart == null) {
      chart = store.history();
    }
    return chart;
  }
}
