package io.gitfaas.system;

import java.time.Instant;

/** One change of the worker count, with its reason and the figures behind it. */
public record ScalingDecision(
    Instant time, int from, int to, String reason, long pending, long inFlight) {}
