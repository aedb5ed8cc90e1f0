package io.gitfaas.worker.git;

import java.time.Instant;

/** What one clone may spend: bytes received and time. */
public record CloneLimits(long maxBytes, Instant deadline) {}
