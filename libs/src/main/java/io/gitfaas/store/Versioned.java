package io.gitfaas.store;

/** A stored value with the KV revision it was read at, for compare-and-set writes. */
public record Versioned<T>(T value, long revision) {}
