package io.gitfaas.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.testkit.FreePort;
import io.gitfaas.testkit.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `make bench-soak`: the service as deployed on one machine (every service from its jar, the
 * observer starting and stopping worker processes) under two loads, through oauth2-proxy.
 *
 * <ol>
 *   <li>Scale: {@value #USERS} users send {@value #TASKS_PER_USER} tasks each at once, while
 *       {@value #MIN_WORKERS} worker runs; the observer adds workers up to {@value #MAX_WORKERS}.
 *       The drain rate is set against the CPU-bound rate: the machine's cores over the CPU time the
 *       whole machine spent per task.
 *   <li>Soak: {@code SOAK_MINUTES} (10) minutes at half that rate, sent on a fixed schedule (a
 *       task's latency counts from when it was due, not from when a busy client got to it). Each
 *       minute: latency by percentile, resident memory of every process; after the first and the
 *       last minute, each JVM's live heap after a full collection.
 * </ol>
 *
 * Writes docs/BENCHMARKS-SOAK.md. Figures only; the one assertion is that no task is lost.
 */
@Tag("bench")
class ScaleAndSoakBenchmark {
  static final int USERS = 20;
  static final int TASKS_PER_USER = 50;
  static final int TASKS = USERS * TASKS_PER_USER;
  static final int MIN_WORKERS = 1;
  static final int MAX_WORKERS = 4;
  static final long TICKS_PER_SECOND = 100;

  /**
   * How long tasks are kept (TASK_TTL, 20 minutes in a deployment): short enough that what the
   * stores keep reaches its steady size early in the soak, long enough that no task of the scale
   * phase waits past it in the queue.
   */
  static final String KEPT = "3m";

  /** A task the load sent: its user and when it was due. */
  record Sent(String taskId, int user, long dueNanos) {}

  /** A task that ended: from when it was due to its final status on the stream, and that status. */
  record Ended(Sent sent, long millis, String status) {}

  /** A process the report follows, and whether it is a JVM (whose heap it reads with jcmd). */
  record Watched(String name, ProcessHandle handle, boolean jvm) {}

  /** A JVM's heap as jcmd reports it after a full collection (KiB). */
  record Heap(long used, long committed, long metaspace) {}

  private final Map<String, Sent> sent = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Ended> ended = new ConcurrentLinkedQueue<>();
  private final AtomicInteger refused = new AtomicInteger();
  private final List<String> refusals = Collections.synchronizedList(new ArrayList<>());
  private ApiClient[] clients;
  private TaskEvents[] events;

  @Test
  void scaleToTheMaximumThenSoakAtHalfTheRate() throws Exception {
    int minutes = soakMinutes();
    try (LocalStack stack = new LocalStack(Map.of("TASK_TTL", KEPT))) {
      int frontendPort = FreePort.pick();
      Process frontend =
          stack.startJar("frontend", Map.of("FRONTEND_PORT", Integer.toString(frontendPort)));
      Processes.awaitPort(frontend, frontendPort, Duration.ofMinutes(1), "frontend");
      int proxyPort = FreePort.pick();
      Process proxy =
          stack.addProxy("http://127.0.0.1:" + frontendPort, proxyPort, "soak-oauth2-proxy");
      String base = "http://localhost:" + proxyPort;
      Path state = stack.dir.resolve("observer-state");
      Process observer = stack.startJar("observer", observerEnv(stack, state));
      try {
        awaitWorkers(observer, state, MIN_WORKERS);
        String url =
            stack.git.createRepo(
                "soak", Map.of("run.sh", "echo \"task $1\"\nls /work >/dev/null\n"));
        clients = new ApiClient[USERS];
        events = new TaskEvents[USERS];
        for (int u = 0; u < USERS; u++) {
          String cookie = stack.login(String.format("soak%02d@example.com", u), base);
          clients[u] = new ApiClient(base, cookie);
          events[u] = new TaskEvents(base, cookie);
        }
        var watched =
            new Watched[] {
              new Watched("frontend", frontend.toHandle(), true),
              new Watched("observer", observer.toHandle(), true),
              new Watched("oauth2-proxy", proxy.toHandle(), false),
              new Watched("nats-server", ProcessHandle.of(stack.nats.pid()).orElseThrow(), false),
              new Watched("this JVM (clients, Git server)", ProcessHandle.current(), false)
            };
        // One task first, so the scale phase starts from a stack that has served.
        send(clients[0], url, 0, System.nanoTime(), "warm-up");
        awaitEnded(1, Duration.ofMinutes(2));
        ended.clear();
        sent.clear();

        Scale scale = scale(url, observer, state, watched);
        Soak soak = soak(url, observer, watched, stack.nats.storeDir(), scale.rate() / 2, minutes);
        write(scale, soak, minutes);
      } finally {
        for (TaskEvents e : events == null ? new TaskEvents[0] : events) {
          if (e != null) {
            e.close();
          }
        }
        stopWithWorkers(observer);
      }
    }
  }

  static int soakMinutes() {
    String value = System.getenv().getOrDefault("SOAK_MINUTES", "10");
    if (!value.matches("[0-9]{1,3}") || Integer.parseInt(value) < 2) {
      throw new IllegalArgumentException(
          "SOAK_MINUTES must be a whole number of at least 2 (a first and a last minute)");
    }
    return Integer.parseInt(value);
  }

  /** The observer as `make run` starts it: the process scaler, workers from their jar. */
  static Map<String, String> observerEnv(LocalStack stack, Path state) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return Map.of(
        "MIN_WORKERS", Integer.toString(MIN_WORKERS),
        "MAX_WORKERS", Integer.toString(MAX_WORKERS),
        "OBSERVER_STATE_DIR", state.toString(),
        "WORKER_COMMAND",
            java
                + " -XX:+ExitOnOutOfMemoryError -jar "
                + stack.root.resolve("worker/target/worker-all.jar"),
        "WORKER_NATS_USER", "worker",
        "WORKER_NATS_PASSWORD", stack.nats.env("worker").get("NATS_PASSWORD"));
  }

  static List<ProcessHandle> workers(Process observer) {
    return observer.toHandle().children().filter(ProcessHandle::isAlive).toList();
  }

  /** Waits for the observer's first workers, each ready to run a task. */
  static void awaitWorkers(Process observer, Path state, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (true) {
      List<ProcessHandle> workers = workers(observer);
      boolean ready = workers.size() == n;
      for (ProcessHandle w : workers) {
        Path log = state.resolve("worker-" + w.pid() + ".log");
        ready &= Files.exists(log) && Files.readString(log).contains("cache template ready");
      }
      if (ready) {
        return;
      }
      assertThat(observer.isAlive()).as("the observer exited").isTrue();
      assertThat(System.nanoTime()).as("%d workers never became ready", n).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** The observer's workers that said they are ready to take tasks. */
  static int ready(Process observer, Path state) throws Exception {
    int n = 0;
    for (ProcessHandle w : workers(observer)) {
      Path log = state.resolve("worker-" + w.pid() + ".log");
      n += Files.exists(log) && Files.readString(log).contains("worker ready") ? 1 : 0;
    }
    return n;
  }

  /** Stops the observer and the workers it started (it leaves them for the next to adopt). */
  static void stopWithWorkers(Process observer) {
    List<ProcessHandle> workers = workers(observer);
    Processes.stop(observer);
    workers.forEach(ProcessHandle::destroy);
    workers.forEach(
        w -> w.onExit().orTimeout(40, TimeUnit.SECONDS).exceptionally(e -> null).join());
    workers.forEach(ProcessHandle::destroyForcibly);
  }

  private void send(ApiClient client, String url, int user, long dueNanos, String parameter) {
    try {
      String id = client.createTask(url, parameter);
      Sent s = new Sent(id, user, dueNanos);
      sent.put(id, s);
      events[user]
          .whenTerminal(id)
          .thenAccept(
              task ->
                  ended.add(
                      new Ended(
                          s,
                          (System.nanoTime() - dueNanos) / 1_000_000,
                          task.get("status").asText())));
    } catch (Exception e) {
      refused.incrementAndGet();
      if (refusals.size() < 5) {
        refusals.add(e.getMessage());
      }
    }
  }

  private void awaitEnded(int n, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (ended.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(ended.size()).as("tasks that never ended").isEqualTo(n);
  }

  record Scale(
      double drainSeconds,
      double cpuSeconds,
      double rate,
      double bound,
      double toMaxSeconds,
      int peakWorkers,
      Map<String, Long> finished,
      List<Long> latencies,
      Map<String, Double> cpuByProcess,
      long yields) {}

  /** All users' tasks at once, from the minimum of workers; drained when every one has ended. */
  private Scale scale(String url, Process observer, Path state, Watched[] watched)
      throws Exception {
    Map<Long, String> names = new LinkedHashMap<>();
    Map<Long, Long> cpuBefore = processCpu(observer, watched, names);
    long machineBefore = Benchmarks.cpuTicks();
    long start = System.nanoTime();
    ExecutorService senders = Executors.newFixedThreadPool(USERS);
    for (int u = 0; u < USERS; u++) {
      int user = u;
      senders.submit(
          () -> {
            for (int i = 0; i < TASKS_PER_USER; i++) {
              send(clients[user], url, user, start, Integer.toString(i));
            }
          });
    }
    senders.shutdown();
    int peak = 0;
    double toMax = Double.NaN;
    long lastPrint = 0;
    while (!senders.isTerminated() || ended.size() < sent.size()) {
      int workers = workers(observer).size();
      peak = Math.max(peak, workers);
      double at = (System.nanoTime() - start) / 1e9;
      if (Double.isNaN(toMax) && ready(observer, state) == MAX_WORKERS) {
        toMax = at;
      }
      processCpu(observer, watched, names); // names every worker that ever ran
      if (at - lastPrint >= 5) {
        lastPrint = (long) at;
        progress(
            "scale %3.0f s: sent %d/%d, ended %d, workers %d (most so far %d)",
            at, sent.size(), TASKS, ended.size(), workers, peak);
      }
      assertThat(at).as("the scale phase took over 15 minutes").isLessThan(900);
      Thread.sleep(100);
    }
    double drain = (System.nanoTime() - start) / 1e9;
    double cpu = (Benchmarks.cpuTicks() - machineBefore) / (double) TICKS_PER_SECOND;
    Map<Long, Long> cpuAfter = processCpu(observer, watched, names);
    progress("scale: %d tasks ended in %.1f s, %.1f CPU-s", ended.size(), drain, cpu);
    assertThat(refused.get()).as("refused: %s", refusals).isZero();
    Map<String, Long> byStatus = new TreeMap<>();
    List<Long> latencies = new ArrayList<>();
    for (Ended e : ended) {
      byStatus.merge(e.status(), 1L, Long::sum);
      latencies.add(e.millis());
    }
    assertThat(byStatus).as("tasks lost or failed").isEqualTo(Map.of("FINISHED", (long) TASKS));
    int cores = Runtime.getRuntime().availableProcessors();
    double perTask = cpu / TASKS;
    Map<String, Double> cpuByProcess = new LinkedHashMap<>();
    cpuAfter.forEach(
        (pid, ticks) ->
            cpuByProcess.merge(
                names.get(pid),
                (ticks - cpuBefore.getOrDefault(pid, 0L)) / (double) TICKS_PER_SECOND,
                Double::sum));
    Scale s =
        new Scale(
            drain,
            cpu,
            TASKS / drain,
            cores / perTask,
            toMax,
            peak,
            byStatus,
            latencies,
            cpuByProcess,
            yields(observer, state));
    ended.clear();
    sent.clear();
    return s;
  }

  private static final Pattern METRICS_PORT = Pattern.compile("metrics on http://[^:]+:(\\d+)/");

  /** Tasks the running workers handed back so another user's went first (their metrics). */
  static long yields(Process observer, Path state) throws Exception {
    double sum = 0;
    for (ProcessHandle w : workers(observer)) {
      Matcher m =
          METRICS_PORT.matcher(Files.readString(state.resolve("worker-" + w.pid() + ".log")));
      if (m.find()) {
        sum +=
            io.gitfaas.testkit.PrometheusText.sum(
                MetricsEndToEndTest.scrape(Integer.parseInt(m.group(1))),
                "gitfaas_tasks_yielded_total",
                Map.of());
      }
    }
    return (long) sum;
  }

  /** CPU ticks (user and system, with waited-for children: the sandboxes) of each process. */
  static Map<Long, Long> processCpu(Process observer, Watched[] watched, Map<Long, String> names) {
    Map<Long, Long> out = new LinkedHashMap<>();
    for (Watched w : watched) {
      names.putIfAbsent(w.handle().pid(), w.name());
    }
    for (ProcessHandle h : workers(observer)) {
      names.putIfAbsent(h.pid(), "workers (with their sandboxes)");
    }
    for (long pid : names.keySet()) {
      cpuTicks(pid).ifPresent(t -> out.put(pid, t));
    }
    return out;
  }

  static Optional<Long> cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(
          Long.parseLong(f[11])
              + Long.parseLong(f[12])
              + Long.parseLong(f[13])
              + Long.parseLong(f[14]));
    } catch (Exception gone) {
      return Optional.empty();
    }
  }

  record Minute(
      int minute,
      int sent,
      List<Long> latencies,
      int workers,
      double cpuSeconds,
      long storedKb,
      Map<String, Long> rssKb) {}

  record Soak(
      double rate,
      List<Minute> minutes,
      Map<String, Heap> heapFirst,
      Map<String, Heap> heapLast,
      Map<String, Double> phasesFirst,
      Map<String, Double> phasesLast,
      Map<String, Long> finished,
      int refused,
      List<String> refusals) {}

  /** A task every 1/rate seconds, round robin over the users, for the given minutes. */
  private Soak soak(
      String url, Process observer, Watched[] watched, Path natsStore, double rate, int minutes)
      throws Exception {
    long period = (long) (1e9 / rate);
    long start = System.nanoTime();
    long end = start + TimeUnit.MINUTES.toNanos(minutes);
    ExecutorService senders = Executors.newFixedThreadPool(8);
    Thread ticker =
        new Thread(
            () -> {
              long due = start;
              for (int n = 0; due < end; n++, due += period) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                  try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
                int user = n % USERS;
                long at = due;
                senders.submit(() -> send(clients[user], url, user, at, "soak"));
              }
            },
            "soak-ticker");
    progress("soak: %.2f tasks/s for %d minutes", rate, minutes);
    ticker.start();
    List<Minute> perMinute = new ArrayList<>();
    Map<String, Heap> heapFirst = Map.of();
    Map<String, Heap> heapLast = Map.of();
    Map<String, Double> phasesFirst = Map.of();
    long cpuMark = Benchmarks.cpuTicks();
    int sentMark = 0;
    for (int tick = 1; tick <= minutes * 6; tick++) {
      long wait = start + TimeUnit.SECONDS.toNanos(10L * tick) - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      Map<String, Long> rss = rss(observer, watched);
      progress(
          "soak %3d/%d s: sent %d, ended %d, refused %d, p99 of the last 10 s %s ms,"
              + " workers %d, MiB %s",
          10 * tick,
          60 * minutes,
          sent.size(),
          ended.size(),
          refused.get(),
          p99Since(System.nanoTime() - TimeUnit.SECONDS.toNanos(10)),
          workers(observer).size(),
          mib(rss));
      if (tick % 6 == 0) {
        long cpu = Benchmarks.cpuTicks();
        perMinute.add(
            new Minute(
                tick / 6,
                sent.size() - sentMark,
                List.of(),
                workers(observer).size(),
                (cpu - cpuMark) / (double) TICKS_PER_SECOND,
                diskKb(natsStore),
                rss));
        cpuMark = cpu;
        sentMark = sent.size();
        if (tick == 6) {
          heapFirst = heaps(observer, watched);
        } else if (tick == 12) {
          // Read while they are kept (TASK_TTL): the first minute's tasks have all ended now.
          phasesFirst = phases(samplesOf(1, start));
        }
        if (tick == minutes * 6) {
          heapLast = heaps(observer, watched);
        }
      }
    }
    ticker.join();
    senders.shutdown();
    senders.awaitTermination(1, TimeUnit.MINUTES);
    awaitEnded(sent.size(), Duration.ofMinutes(3));
    Map<String, Long> byStatus = new TreeMap<>();
    Map<Integer, List<Long>> latencies = new TreeMap<>();
    for (Ended e : ended) {
      byStatus.merge(e.status(), 1L, Long::sum);
      latencies.computeIfAbsent(minuteOf(e, start), m -> new ArrayList<>()).add(e.millis());
    }
    List<Minute> withLatency = new ArrayList<>();
    for (Minute m : perMinute) {
      withLatency.add(
          new Minute(
              m.minute(),
              m.sent(),
              latencies.getOrDefault(m.minute(), List.of()),
              m.workers(),
              m.cpuSeconds(),
              m.storedKb(),
              m.rssKb()));
    }
    return new Soak(
        rate,
        withLatency,
        heapFirst,
        heapLast,
        phasesFirst,
        phases(samplesOf(minutes, start)),
        byStatus,
        refused.get(),
        List.copyOf(refusals));
  }

  /** The soak's minute (from 1) a task was due in. */
  static int minuteOf(Ended e, long start) {
    return (int) ((e.sent().dueNanos() - start) / TimeUnit.MINUTES.toNanos(1)) + 1;
  }

  /** The tasks due in the minute that have ended, as samples. */
  private List<Benchmarks.Sample> samplesOf(int minute, long start) {
    List<Benchmarks.Sample> out = new ArrayList<>();
    for (Ended e : ended) {
      if (minuteOf(e, start) == minute) {
        out.add(new Benchmarks.Sample(e.sent().taskId(), e.millis()));
      }
    }
    return out;
  }

  /** Where the time of up to 40 of the minute's tasks went, from their result.json. */
  private Map<String, Double> phases(List<Benchmarks.Sample> minute) throws Exception {
    List<Benchmarks.Sample> some = minute.subList(0, Math.min(40, minute.size()));
    return Benchmarks.breakdown(s -> clients[sent.get(s.taskId()).user()], some);
  }

  private String p99Since(long sinceNanos) {
    List<Long> recent = new ArrayList<>();
    for (Ended e : ended) {
      if (e.sent().dueNanos() + e.millis() * 1_000_000 >= sinceNanos) {
        recent.add(e.millis());
      }
    }
    return recent.isEmpty() ? "-" : String.format("%.0f", Benchmarks.percentiles(recent)[2]);
  }

  /** Resident memory (KiB) of each watched process and of each worker, by name. */
  static Map<String, Long> rss(Process observer, Watched[] watched) throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Watched w : watched) {
      out.put(w.name(), Benchmarks.rssKb(w.handle().pid()));
    }
    for (ProcessHandle h : workers(observer)) {
      out.put("worker " + h.pid(), Benchmarks.rssKb(h.pid()));
    }
    return out;
  }

  /** What the files under {@code dir} hold (KiB). */
  static long diskKb(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      return files
              .filter(Files::isRegularFile)
              .mapToLong(
                  f -> {
                    try {
                      return Files.size(f);
                    } catch (java.io.IOException gone) {
                      return 0; // removed while we looked: expired
                    }
                  })
              .sum()
          / 1024;
    }
  }

  static String mib(Map<String, Long> kb) {
    List<String> parts = new ArrayList<>();
    kb.forEach((name, v) -> parts.add(name.replaceAll(" \\(.*", "") + " " + v / 1024));
    return String.join(", ", parts);
  }

  /** Each JVM's heap after a full collection (jcmd GC.run, then GC.heap_info). */
  static Map<String, Heap> heaps(Process observer, Watched[] watched) throws Exception {
    Map<String, Heap> out = new LinkedHashMap<>();
    for (Watched w : watched) {
      if (w.jvm()) {
        out.put(w.name(), heap(w.handle().pid()));
      }
    }
    for (ProcessHandle h : workers(observer)) {
      out.put("worker " + h.pid(), heap(h.pid()));
    }
    return out;
  }

  private static final Pattern HEAP =
      Pattern.compile(
          "heap\\s+total (\\d+)K, used (\\d+)K.*?Metaspace\\s+used (\\d+)K", Pattern.DOTALL);

  static Heap heap(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = HEAP.matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("jcmd GC.heap_info said: " + info);
    }
    return new Heap(
        Long.parseLong(m.group(2)), Long.parseLong(m.group(1)), Long.parseLong(m.group(3)));
  }

  static String jcmd(long pid, String command) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  static void progress(String format, Object... args) {
    System.out.printf(Locale.ROOT, format + "%n", args);
    System.out.flush();
  }

  private void write(Scale scale, Soak soak, int minutes) throws Exception {
    var r = new StringBuilder();
    r.append("# Scale and soak\n\n");
    r.append("Measured by `make bench-soak` (`SOAK_MINUTES=")
        .append(minutes)
        .append("`) on ")
        .append(Instant.now())
        .append(": ")
        .append(Benchmarks.machine())
        .append(
            ". Every service from its jar as `make run` starts it (the frontend, the observer with"
                + " its process scaler starting workers of one task each, nats-server, oauth2-proxy);"
                + " the clients, the identity provider and the Git server in the benchmark's JVM."
                + " Tasks are kept "
                + KEPT
                + " (TASK_TTL; 20 minutes by default) so that what the stores keep reaches its"
                + " steady size within the soak: with 20 minutes, nats-server's memory grows with"
                + " the tasks it keeps for the whole of a 10-minute soak.")
        .append(
            " Tasks: a shell script (`echo`, `ls`) from a local Git server, through oauth2-proxy"
                + " with each user's session cookie; an end is seen on the user's `/streamTasks`.\n\n");

    r.append("## 1. Scale: ")
        .append(TASKS)
        .append(" tasks from ")
        .append(USERS)
        .append(" users at once, workers from ")
        .append(MIN_WORKERS)
        .append(" to ")
        .append(MAX_WORKERS)
        .append("\n\n");
    double[] p = Benchmarks.percentiles(scale.latencies());
    r.append(
        String.format(
            Locale.ROOT,
            "Drained in %.1f s: %.1f tasks/s; %s. The observer started %d workers; %d were ready"
                + " (their JVMs up, their NATS consumers pulling) %.1f s after the tasks were sent."
                + " The machine spent %.1f CPU-s (%.0f ms per task, worker starts included), so"
                + " its %d cores allow at most %.1f tasks/s: the drain ran at **%.0f%%** of the"
                + " CPU-bound rate. createTask to the end: p50 %.0f ms, p99 %.0f ms (all sent at"
                + " once, so mostly time in the queue).%n%n",
            scale.drainSeconds(),
            scale.rate(),
            scale.finished(),
            scale.peakWorkers(),
            MAX_WORKERS,
            scale.toMaxSeconds(),
            scale.cpuSeconds(),
            1000 * scale.cpuSeconds() / TASKS,
            Runtime.getRuntime().availableProcessors(),
            scale.bound(),
            100 * scale.rate() / scale.bound(),
            p[0],
            p[2]));
    r.append(
        String.format(
            Locale.ROOT,
            "Fair sharing handed tasks back %d times (%.1f per task run; the workers'"
                + " `gitfaas_tasks_yielded_total`): with every user waiting, a free slot goes to"
                + " the user served longest ago, and the queue's order is tried until that"
                + " user's task comes up.%n%n",
            scale.yields(),
            scale.yields() / (double) TASKS));
    r.append("Where the CPU went (seconds, the processes' own accounting):\n\n");
    r.append("| process | CPU-s | share |\n|---|---|---|\n");
    scale
        .cpuByProcess()
        .forEach(
            (name, s) ->
                r.append(
                    String.format(
                        Locale.ROOT,
                        "| %s | %.1f | %.0f%% |%n",
                        name,
                        s,
                        100 * s / scale.cpuSeconds())));

    r.append(
        String.format(
            Locale.ROOT,
            "%n## 2. Soak: %.2f tasks/s (half the drain's rate) for %d minutes%n%n",
            soak.rate(),
            minutes));
    r.append(
        String.format(
            "Tasks: %s; refused %d%s.%n%n",
            soak.finished(),
            soak.refused(),
            soak.refusals().isEmpty() ? "" : " (" + soak.refusals() + ")"));
    r.append("| minute | sent | p50 ms | p99 ms | workers | CPU-s | JetStream files MiB |");
    var processes = new java.util.LinkedHashSet<String>();
    soak.minutes().forEach(m -> processes.addAll(m.rssKb().keySet()));
    for (String name : processes) {
      r.append(" ").append(name.replaceAll(" \\(.*", "")).append(" MiB |");
    }
    r.append("\n|---|---|---|---|---|---|---|")
        .append("---|".repeat(processes.size()))
        .append("\n");
    for (Minute m : soak.minutes()) {
      double[] q =
          m.latencies().isEmpty() ? new double[] {0, 0, 0} : Benchmarks.percentiles(m.latencies());
      r.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %.0f | %.0f | %d | %.1f | %d |",
              m.minute(),
              m.sent(),
              q[0],
              q[2],
              m.workers(),
              m.cpuSeconds(),
              m.storedKb() / 1024));
      for (String name : processes) {
        Long kb = m.rssKb().get(name);
        r.append(kb == null ? " - |" : " " + kb / 1024 + " |");
      }
      r.append("\n");
    }
    r.append("\nResident memory is read at the end of each minute; a worker that the observer")
        .append(" stopped or started shows as `-` in the minutes it did not run. JetStream files:")
        .append(" what nats-server keeps on disk (records, queue, results, their indexes), which")
        .append(" stops growing once tasks are older than TASK_TTL, but for the blocks being")
        .append(" written: nats-server appends every write to a stream's open 4 MB block (a")
        .append(" record is written three times, the user's `usage` key and admission set at")
        .append(" each task) and frees a block's dead space only once the block is full and")
        .append(" another opens: the files grow until each written stream's block is full")
        .append(" (about 4 MB per user with tasks, and per shared bucket), then cycle.")
        .append(" nats-server's resident memory is the Go runtime's heap: without a memory")
        .append(" target Go lets it grow to twice what is live before collecting, and the")
        .append(" caches of those blocks and the garbage of every write made it grow from 59 to")
        .append(" 114 MiB in a 10-minute soak; `make run` and this stack give nats-server")
        .append(" `GOMEMLIMIT` (deploy/nats/local.env), with which it stays flat.\n\n");

    r.append("### Memory after the first and the last minute\n\n");
    r.append(
        "Each JVM's heap after a full collection (`jcmd <pid> GC.run`, then `GC.heap_info`): what is"
            + " live, against what the JVM has taken from the machine (committed) and its"
            + " metaspace (KiB → MiB).\n\n");
    r.append(
        "| process | live heap, 1st | live heap, last | committed, 1st | committed, last |"
            + " metaspace, last | resident, 1st | resident, last |\n");
    r.append("|---|---|---|---|---|---|---|---|\n");
    Minute first = soak.minutes().get(0);
    Minute last = soak.minutes().get(soak.minutes().size() - 1);
    List<String> flatness = new ArrayList<>();
    for (String name : processes) {
      Heap a = soak.heapFirst().get(name);
      Heap b = soak.heapLast().get(name);
      Long ra = first.rssKb().get(name);
      Long rb = last.rssKb().get(name);
      r.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
              name,
              a == null ? "-" : mb(a.used()),
              b == null ? "-" : mb(b.used()),
              a == null ? "-" : mb(a.committed()),
              b == null ? "-" : mb(b.committed()),
              b == null ? "-" : mb(b.metaspace()),
              ra == null ? "-" : mb(ra),
              rb == null ? "-" : mb(rb)));
      if (a != null && b != null) {
        flatness.add(flat(name + " live heap", a.used(), b.used()));
      } else if (ra != null && rb != null) {
        flatness.add(flat(name + " resident", ra, rb));
      }
    }
    double[] p1 = Benchmarks.percentiles(first.latencies());
    double[] pn = Benchmarks.percentiles(last.latencies());
    r.append("\n### Where the time went, first and last minute\n\n");
    r.append(
        "p50 of each phase the worker timed (result.json, read a minute after the first minute"
            + " and at the end) over up to 40 of the minute's tasks, and"
            + " of the rest: the request through oauth2-proxy, admission, the claim, the zip, the"
            + " store, the final status and its event (ms):\n\n");
    r.append("| minute | queued | clone | build | run | rest |\n|---|---|---|---|---|---|\n");
    for (var e :
        Map.of(1, soak.phasesFirst(), minutes, soak.phasesLast()).entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .toList()) {
      var ph = e.getValue();
      r.append(
          String.format(
              Locale.ROOT,
              "| %d | %.0f | %.0f | %.0f | %.0f | %.0f |%n",
              e.getKey(),
              ph.get("queued"),
              ph.get("clone"),
              ph.get("build"),
              ph.get("run"),
              ph.get("rest")));
    }

    r.append("\n## Targets\n\n| target | measured | met |\n|---|---|---|\n");
    r.append(
        String.format(
            Locale.ROOT,
            "| nothing lost: every task sent ends FINISHED | scale %s; soak %s, refused %d | %s |%n",
            scale.finished(),
            soak.finished(),
            soak.refused(),
            soak.finished().keySet().equals(java.util.Set.of("FINISHED")) && soak.refused() == 0
                ? "yes"
                : "no"));
    double share = scale.rate() / scale.bound();
    r.append(
        String.format(
            Locale.ROOT,
            "| the scale phase drains at 70%% or more of the CPU-bound rate | %.0f%% | %s |%n",
            100 * share,
            share >= 0.7 ? "yes" : "no"));
    boolean allFlat = flatness.stream().allMatch(f -> f.endsWith("flat"));
    r.append(
        "| each process's memory flat from the first to the last minute (growth within 10%"
            + " or 8 MiB) | "
            + String.join("; ", flatness)
            + " | "
            + (allFlat ? "yes" : "no")
            + " |\n");
    r.append(
        String.format(
            Locale.ROOT,
            "| p99 of the last minute at most 1.5x the first | %.0f ms against %.0f ms: %.2fx |"
                + " %s |%n",
            pn[2],
            p1[2],
            pn[2] / p1[2],
            pn[2] <= 1.5 * p1[2] ? "yes" : "no"));
    Path out = LocalStack.projectRoot().resolve("docs/BENCHMARKS-SOAK.md");
    Files.writeString(out, r.toString());
    progress("%s", r);
    progress("report: %s", out);
  }

  static String mb(long kb) {
    return String.format(Locale.ROOT, "%.0f", kb / 1024.0);
  }

  /** "name +x MiB: flat" when the growth is within 10% or 8 MiB, else "...: grew". */
  static String flat(String name, long firstKb, long lastKb) {
    long growth = lastKb - firstKb;
    boolean flat = growth <= Math.max(firstKb / 10, 8 * 1024);
    return String.format(
        Locale.ROOT, "%s %+.0f MiB: %s", name, growth / 1024.0, flat ? "flat" : "grew");
  }
}
