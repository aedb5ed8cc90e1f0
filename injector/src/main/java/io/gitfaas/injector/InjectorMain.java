package io.gitfaas.injector;

import io.gitfaas.config.Settings;
import io.gitfaas.config.SettingsException;
import io.gitfaas.inject.InjectedFileName;
import io.gitfaas.inject.InjectionApplier;
import io.gitfaas.inject.InjectionRequest;
import io.gitfaas.json.Json;
import io.gitfaas.metrics.MetricsEndpoint;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.nats.PullLoop;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The injector: the only writer of the {@code injected} object store. It takes requests from the
 * INJECTIONS stream and stores (or deletes) the files; a request that fails is retried, one that
 * cannot be read is dropped, and the loop goes on.
 */
public final class InjectorMain {
  private static final Logger LOG = LoggerFactory.getLogger(InjectorMain.class);

  private InjectorMain() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.fromEnv(System.getenv(), Settings.Service.INJECTOR);
    } catch (SettingsException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    var endpoint =
        MetricsEndpoint.start("injector", settings.metrics().host(), settings.metrics().port());
    Connection connection = NatsConnector.connect(settings.nats(), "injector");
    Thread loop = start(connection, NatsResources.of(connection, settings));
    endpoint.healthyWhen(
        () -> NatsConnector.connected(connection).getAsBoolean() && loop.isAlive());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  loop.interrupt();
                  try {
                    loop.join(10_000);
                    connection.close();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "shutdown"));
  }

  /** Starts the injector's loop; tests start it in-process through this too. */
  public static Thread start(Connection connection, NatsResources resources) throws Exception {
    InjectionApplier applier = new InjectionApplier(resources);
    Path scratch = Files.createTempDirectory("gitfaas-injector-");
    PullLoop loop =
        new PullLoop(
                connection,
                NatsTopology.INJECTION_STREAM,
                NatsTopology.INJECTOR_CONSUMER,
                "injector",
                msg -> handle(applier, msg, scratch),
                error -> Runtime.getRuntime().halt(70))
            .start();
    LOG.info("injector ready");
    return loop.thread();
  }

  private static void handle(InjectionApplier applier, Message msg, Path scratch) {
    InjectionRequest request;
    try {
      request = Json.read(msg.getData(), InjectionRequest.class);
    } catch (RuntimeException e) {
      LOG.error("dropping an unreadable injection request: {}", e.toString());
      msg.term();
      return;
    }
    if (request.op() == null || !InjectedFileName.isSafe(request.name())) {
      LOG.error("dropping an injection request with an unsafe name: {}", request.name());
      msg.term();
      return;
    }
    try {
      applier.apply(request, scratch);
      msg.ack();
      LOG.info(
          "{} {} ({} bytes, by {})",
          request.op(),
          request.name(),
          request.size(),
          request.requestedBy());
    } catch (Exception e) {
      LOG.warn(
          "injection {} {} failed, will retry: {}", request.op(), request.name(), e.toString());
      msg.nakWithDelay(Duration.ofSeconds(2));
    }
  }
}
