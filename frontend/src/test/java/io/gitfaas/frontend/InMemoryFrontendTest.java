package io.gitfaas.frontend;

import static org.assertj.core.api.Assertions.assertThat;

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
