package io.gitfaas.worker.git;

import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.git.RejectedUrlException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.net.URL;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.transport.HttpTransport;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * JGit's HTTP connections, each checked against the URL policy before it opens (so redirects are
 * checked too) and counted against the clone's byte and time limits. JGit takes one connection
 * factory for the whole JVM, so this one is installed once, and the policy and limits belong to the
 * thread that runs the clone; a connection opened outside a clone is refused.
 */
public final class GuardedHttpConnectionFactory extends JDKHttpConnectionFactory {
  private static final GuardedHttpConnectionFactory INSTANCE = new GuardedHttpConnectionFactory();
  private static final ThreadLocal<Budget> CURRENT = new ThreadLocal<>();

  static {
    HttpTransport.setConnectionFactory(INSTANCE);
  }

  private GuardedHttpConnectionFactory() {}

  /** Runs a clone under the policy and limits. */
  public static <T> T within(GitUrlPolicy policy, CloneLimits limits, Action<T> action)
      throws Exception {
    if (HttpTransport.getConnectionFactory() != INSTANCE) {
      throw new IllegalStateException("JGit's connection factory was replaced");
    }
    CURRENT.set(new Budget(policy, limits));
    try {
      return action.run();
    } finally {
      CURRENT.remove();
    }
  }

  /** The clone body, allowed to throw. */
  @FunctionalInterface
  public interface Action<T> {
    T run() throws Exception;
  }

  @Override
  public HttpConnection create(URL url) throws IOException {
    return create(url, null);
  }

  @Override
  public HttpConnection create(URL url, Proxy proxy) throws IOException {
    Budget budget = CURRENT.get();
    if (budget == null) {
      throw new IOException("HTTP connections are only opened by guarded clones");
    }
    try {
      budget.policy.check(url.toString());
    } catch (RejectedUrlException e) {
      throw new RejectedCloneException("repository URL not allowed: " + e.getMessage());
    }
    budget.checkTime();
    return proxy == null ? new Counted(url, budget) : new Counted(url, proxy, budget);
  }

  /** Thrown inside JGit's transport; the cloner recognizes it in the cause chain. */
  public static final class RejectedCloneException extends IOException {
    private static final long serialVersionUID = 1L;

    public RejectedCloneException(String message) {
      super(message);
    }
  }

  static String readable(long bytes) {
    if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    return bytes >= 1024 ? (bytes >> 10) + " KiB" : bytes + " bytes";
  }

  private static final class Budget {
    private final GitUrlPolicy policy;
    private final CloneLimits limits;
    private final AtomicLong received = new AtomicLong();

    Budget(GitUrlPolicy policy, CloneLimits limits) {
      this.policy = policy;
      this.limits = limits;
    }

    void add(long n) throws IOException {
      if (received.addAndGet(n) > limits.maxBytes()) {
        throw new RejectedCloneException(
            "repository is larger than " + readable(limits.maxBytes()) + " (GIT_MAX_REPO_BYTES)");
      }
      checkTime();
    }

    void checkTime() throws IOException {
      if (Instant.now().isAfter(limits.deadline())) {
        throw new RejectedCloneException("clone did not finish in time (TASK_BUILD_TIMEOUT)");
      }
    }
  }

  private static final class Counted extends JDKHttpConnection {
    private final Budget budget;

    Counted(URL url, Budget budget) throws IOException {
      super(url);
      this.budget = budget;
    }

    Counted(URL url, Proxy proxy, Budget budget) throws IOException {
      super(url, proxy);
      this.budget = budget;
    }

    @Override
    public InputStream getInputStream() throws IOException {
      return new FilterInputStream(super.getInputStream()) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b != -1) {
            budget.add(1);
          }
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          int n = super.read(buf, off, len);
          if (n > 0) {
            budget.add(n);
          }
          return n;
        }
      };
    }
  }
}
