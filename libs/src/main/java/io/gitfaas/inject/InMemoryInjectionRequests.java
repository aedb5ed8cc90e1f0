package io.gitfaas.inject;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Injection requests in memory, for tests that need no services: a staged upload stays pending
 * until {@link #applyPending()} plays the injector.
 */
public final class InMemoryInjectionRequests implements InjectionRequests {
  private final List<InjectionRequest> requests = new ArrayList<>();
  private final Map<String, InjectedFile> files = new LinkedHashMap<>();

  @Override
  public InjectionRequest stage(String name, InputStream content, long maxBytes, String by)
      throws IOException {
    byte[] head = content.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    if (head.length > maxBytes) {
      throw new TooLargeException(maxBytes);
    }
    var request =
        new InjectionRequest(
            InjectionRequest.Op.PUT, name, "upload-" + name, head.length, by, Instant.now());
    synchronized (this) {
      requests.add(request);
    }
    return request;
  }

  @Override
  public synchronized void requestDelete(String name, String by) {
    requests.add(
        new InjectionRequest(InjectionRequest.Op.DELETE, name, null, 0, by, Instant.now()));
  }

  @Override
  public synchronized List<InjectedFile> list() {
    return files.values().stream().sorted(Comparator.comparing(InjectedFile::name)).toList();
  }

  @Override
  public synchronized List<String> pending() {
    return requests.stream()
        .filter(r -> r.op() == InjectionRequest.Op.PUT)
        .map(InjectionRequest::name)
        .sorted()
        .toList();
  }

  /** Carries out every request, in order, as the injector would. */
  public synchronized void applyPending() {
    for (InjectionRequest r : requests) {
      switch (r.op()) {
        case PUT -> files.put(r.name(), new InjectedFile(r.name(), r.size(), r.at()));
        case DELETE -> files.remove(r.name());
      }
    }
    requests.clear();
  }
}
