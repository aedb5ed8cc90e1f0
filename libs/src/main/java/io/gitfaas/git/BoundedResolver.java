package io.gitfaas.git;

import io.gitfaas.concurrent.DaemonThreads;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Host lookups on a small pool of their own, each with a deadline: a slow or hostile name server
 * holds a pool thread (the system resolver cannot be interrupted), never the caller past the
 * deadline; when every pool thread and queue place is taken, lookups are refused at once.
 */
public final class BoundedResolver implements GitUrlPolicy.Resolver {
  public static final int DEFAULT_THREADS = 4;
  public static final int DEFAULT_QUEUE = 64;
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);

  /** Every lookup thread and queue place is taken: the caller should try again later. */
  public static final class BusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BusyException() {
      super("too many host names are being looked up at once; try again");
    }
  }

  /** A lookup that did not finish within the deadline. */
  public static final class TooSlowException extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    private final Duration deadline;

    TooSlowException(String host, Duration deadline) {
      super(host + " did not resolve within " + deadline.toMillis() + " ms");
      this.deadline = deadline;
    }

    public Duration deadline() {
      return deadline;
    }
  }

  private final GitUrlPolicy.Resolver system;
  private final ThreadPoolExecutor pool;
  private final Duration deadline;

  public BoundedResolver() {
    this(InetAddress::getAllByName, DEFAULT_THREADS, DEFAULT_QUEUE, DEFAULT_DEADLINE);
  }

  public BoundedResolver(GitUrlPolicy.Resolver system, int threads, int queue, Duration deadline) {
    this.system = system;
    this.deadline = deadline;
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            1,
            TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(queue),
            DaemonThreads.named("host-lookup"),
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  /** Lookups waiting for a thread. */
  int waiting() {
    return pool.getQueue().size();
  }

  @Override
  public InetAddress[] resolve(String host) throws UnknownHostException {
    Future<InetAddress[]> lookup;
    try {
      lookup = pool.submit(() -> system.resolve(host));
    } catch (RejectedExecutionException e) {
      throw new BusyException();
    }
    try {
      return lookup.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      lookup.cancel(true);
      pool.remove((Runnable) lookup); // gives its queue place back if it never started
      throw new TooSlowException(host, deadline);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownHostException unknown) {
        throw unknown;
      }
      UnknownHostException failed = new UnknownHostException(host);
      failed.initCause(e.getCause());
      throw failed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lookup.cancel(true);
      throw new UnknownHostException(host + ": interrupted");
    }
  }
}
