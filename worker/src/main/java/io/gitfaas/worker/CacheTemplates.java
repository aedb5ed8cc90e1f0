package io.gitfaas.worker;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cache templates a worker has built, by runtime: caches filled by builds of the worker's own
 * programs (no user's code, no user's files), which a user's first cache of the runtime starts as a
 * copy of. Nothing a user's build writes is ever read by another user's: each copy is the user's.
 */
final class CacheTemplates {
  /** Whose caches the templates are built in: no user key looks like this (they are hex). */
  static final String TEMPLATE_USER = "_template";

  private final Map<String, Path> ready = new ConcurrentHashMap<>();

  /** The runtime's template, once it is complete; null before (new users start empty then). */
  Path of(String runtime) {
    return ready.get(runtime);
  }

  void ready(String runtime, Path template) {
    ready.put(runtime, template);
  }
}
