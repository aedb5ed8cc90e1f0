package io.gitfaas.observer;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gitfaas.config.Settings;
import io.gitfaas.config.SettingsException;
import io.gitfaas.metrics.MetricsEndpoint;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.Admission;
import io.gitfaas.system.NatsSystemStatusStore;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The observer: watches the queue and scales the workers. */
public final class ObserverMain {
  private static final Logger LOG = LoggerFactory.getLogger(ObserverMain.class);

  private ObserverMain() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.fromEnv(System.getenv(), Settings.Service.OBSERVER);
    } catch (SettingsException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Scaler scaler;
    try {
      scaler = scaler(settings, System.getenv());
    } catch (IllegalStateException e) {
      LOG.error("observer cannot start: {}", e.getMessage());
      System.exit(3);
      return;
    }
    var endpoint =
        MetricsEndpoint.start("observer", settings.metrics().host(), settings.metrics().port());
    Connection connection = NatsConnector.connect(settings.nats(), "observer");
    endpoint.healthyWhen(NatsConnector.connected(connection));
    NatsResources resources = NatsResources.of(connection, settings);
    ScheduledExecutorService loop = start(settings, connection, resources, scaler);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // Workers keep running: a restarted observer adopts them.
                  loop.shutdownNow();
                  try {
                    connection.close();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "shutdown"));
  }

  /** Starts the observer's loop; tests start observers in-process through this too. */
  public static ScheduledExecutorService start(
      Settings settings, Connection connection, NatsResources resources, Scaler scaler) {
    var os = settings.observer();
    var observer =
        new Observer(
            new LagProbe(connection, Clock.systemUTC()),
            new StorageProbe(connection),
            scaler,
            new ScalingPolicy(
                os.minWorkers(),
                os.maxWorkers(),
                settings.worker().concurrency(),
                os.congestionThreshold(),
                os.scaleDownAfter()),
            new NatsSystemStatusStore(resources),
            os,
            settings.worker().concurrency());
    ScheduledExecutorService loop =
        Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "observer"));
    loop.scheduleWithFixedDelay(
        () -> {
          try {
            resources.topology().ensureObserverBucket();
          } catch (Exception e) {
            LOG.warn("observer bucket not ready: {}", e.toString());
            return;
          }
          observer.tick();
        },
        0,
        os.interval().toMillis(),
        TimeUnit.MILLISECONDS);
    var sweeper =
        new IdleBucketSweeper(
            connection, new Admission(resources), os.idleBucketAfter(), Clock.systemUTC());
    Duration sweepEvery = IdleBucketSweeper.period(os.idleBucketAfter());
    loop.scheduleWithFixedDelay(
        sweeper::sweepQuietly, sweepEvery.toMillis(), sweepEvery.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info(
        "observer: every {}, workers {}..{}, scaler {}",
        os.interval(),
        os.minWorkers(),
        os.maxWorkers(),
        scaler.describe());
    return loop;
  }

  /**
   * The scaler SCALER names. Process workers get the observer's environment without its own NATS
   * credentials, with the workers' (WORKER_NATS_USER, WORKER_NATS_PASSWORD) instead.
   */
  static Scaler scaler(Settings settings, Map<String, String> environment) throws Exception {
    var os = settings.observer();
    return switch (os.scaler()) {
      case PROCESS -> {
        // Workers inherit the observer's environment, with the workers' NATS user if one is set.
        Map<String, String> env = new HashMap<>(environment);
        env.remove("NATS_USER");
        env.remove("NATS_PASSWORD");
        env.remove("WORKER_NATS_USER");
        env.remove("WORKER_NATS_PASSWORD");
        if (os.workerNatsUser() != null) {
          env.put("NATS_USER", os.workerNatsUser());
          env.put("NATS_PASSWORD", os.workerNatsPassword());
        }
        List<String> command = Arrays.asList(os.workerCommand().trim().split("\\s+"));
        yield new ProcessScaler(command, env, os.stateDir());
      }
      case DOCKER ->
          new DockerScaler(DockerHost.parse(os.dockerHost()), os.composeProject(), "worker");
      case NONE -> new ReportOnlyScaler(os.minWorkers());
      case KUBERNETES -> {
        var client = new KubernetesClientBuilder().build();
        String namespace =
            os.kubernetesNamespace() != null
                ? os.kubernetesNamespace()
                : client.getNamespace() != null ? client.getNamespace() : "default";
        yield new KubernetesScaler(client, namespace, os.workerDeployment());
      }
    };
  }
}
