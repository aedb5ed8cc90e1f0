package io.gitfaas.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.callback.InMemoryCallbackQueue;
import io.gitfaas.frontend.api.OutputFeed;
import io.gitfaas.inject.InMemoryInjectionRequests;
import io.gitfaas.store.Admission;
import io.gitfaas.store.InMemoryResultStore;
import io.gitfaas.store.InMemoryTaskQueue;
import io.gitfaas.store.InMemoryTaskStore;
import io.gitfaas.system.InMemorySystemStatusStore;
import io.gitfaas.task.InMemoryCancelSignal;
import io.gitfaas.task.LiveOutput;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The routes over the in-memory stores: no service but the identity provider runs. */
class InMemoryFrontendTest extends FrontendRoutesContract {
  /** Output listeners by task, told of what a test publishes. */
  record Listening(String owner, UUID taskId, OutputFeed.Listener listener) {}

  final List<Listening> listening = new CopyOnWriteArrayList<>();
  final InMemoryCallbackQueue callbacks = new InMemoryCallbackQueue();

  @Override
  Backend startBackend(Map<String, String> env) {
    OutputFeed output =
        (owner, taskId, listener) -> {
          Listening l = new Listening(owner, taskId, listener);
          listening.add(l);
          return () -> listening.remove(l);
        };
    return new Backend(
        new InMemoryTaskStore(),
        new InMemoryResultStore(),
        Admission.inMemory(),
        new InMemoryTaskQueue(),
        new InMemorySystemStatusStore(),
        new InMemoryInjectionRequests(),
        output,
        new InMemoryCancelSignal(),
        callbacks,
        () -> true);
  }

  @Override
  void stopBackend() {}

  @Override
  void publishOutput(String owner, UUID taskId, String stream, String text) {
    for (Listening l : listening) {
      if (l.owner().equals(owner) && l.taskId().equals(taskId)) {
        if (stream.equals(LiveOutput.END)) {
          l.listener().ended();
        } else {
          l.listener().output(stream, text);
        }
      }
    }
  }

  @Test
  void aWaitingTaskCancelledWithACallbackQueuesItsFinalRecord() throws Exception {
    String email = "hook-cancel@example.com";
    String id =
        json(create(
                "{\"url\": \"http://127.0.0.1/r.git\", \"callbackUrl\": \"http://127.0.0.1:9/h\"}",
                email))
            .get("taskId")
            .asText();
    assertThat(postAs(email, "/cancelTask?taskId=" + id, null, "").statusCode()).isEqualTo(202);
    assertThat(callbacks.queued())
        .anySatisfy(
            c -> {
              assertThat(c.record().taskId().toString()).isEqualTo(id);
              assertThat(c.record().reason()).isEqualTo("cancelled by its owner");
              assertThat(c.url()).isEqualTo("http://127.0.0.1:9/h");
            });
  }

  @Test
  void withoutASigningKeyTheServiceTakesNoCallbacks() throws Exception {
    Map<String, String> withoutKey = new java.util.HashMap<>(env);
    withoutKey.remove("CALLBACK_SIGNING_KEY");
    var off =
        Frontend.create(
                io.gitfaas.config.Settings.fromEnv(
                    withoutKey, io.gitfaas.config.Settings.Service.FRONTEND),
                startBackend(withoutKey))
            .start();
    try {
      String base = "http://127.0.0.1:" + off.port();
      var r =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/createTask"))
                  .header("Authorization", "Bearer " + token("nokey@example.com"))
                  .header("Content-Type", "application/json")
                  .POST(
                      java.net.http.HttpRequest.BodyPublishers.ofString(
                          "{\"url\": \"http://127.0.0.1/r.git\", \"callbackUrl\": \"http://127.0.0.1:9/h\"}"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("CALLBACK_SIGNING_KEY");
      var secret =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/getCallbackSecret"))
                  .header("Authorization", "Bearer " + token("nokey@example.com"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(secret.statusCode()).isEqualTo(404);
    } finally {
      off.stop();
    }
  }

  @Test
  void aFullQueueAnswers507AndLeavesNothingBehind() throws Exception {
    var tasks = new InMemoryTaskStore();
    var admission = Admission.inMemory();
    var full =
        new Backend(
            tasks,
            new InMemoryResultStore(),
            admission,
            new InMemoryTaskQueue(0),
            new InMemorySystemStatusStore(),
            new InMemoryInjectionRequests(),
            (owner, taskId, listener) -> () -> {},
            new InMemoryCancelSignal(),
            new InMemoryCallbackQueue(),
            () -> true);
    var other = Frontend.create(settings, full).start();
    try {
      var r =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + other.port() + "/createTask"))
                  .header("Authorization", "Bearer " + token("full@example.com"))
                  .header("Content-Type", "application/json")
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString(VALID))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(507);
      assertThat(json(r).get("error").asText()).contains("queue is full");
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(tasks.list("full@example.com")).isEmpty();
      assertThat(admission.active("full@example.com")).isEmpty();
    } finally {
      other.stop();
    }
  }
}
