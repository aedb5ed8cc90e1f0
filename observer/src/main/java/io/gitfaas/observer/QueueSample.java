package io.gitfaas.observer;

import java.time.Instant;

/**
 * One reading of the workers' consumer, straight from JetStream.
 *
 * @param pending tasks waiting for a worker
 * @param inFlight tasks a worker holds (delivered, not yet acknowledged)
 * @param redelivered tasks delivered more than once (their worker was lost or handed them back)
 * @param oldestPendingSeconds age of the oldest task in the queue, 0 when it is empty
 */
public record QueueSample(
    Instant at, long pending, long inFlight, long redelivered, long oldestPendingSeconds) {}
