package io.gitfaas.frontend;

import io.gitfaas.frontend.api.OutputFeed;
import io.gitfaas.inject.InMemoryInjectionRequests;
import io.gitfaas.store.Admission;
import io.gitfaas.store.InMemoryResultStore;
import io.gitfaas.store.InMemoryTaskQueue;
import io.gitfaas.store.InMemoryTaskStore;
import io.gitfaas.system.InMemorySystemStatusStore;
import io.gitfaas.task.LiveOutput;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

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
}
