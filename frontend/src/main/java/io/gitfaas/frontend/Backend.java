package io.gitfaas.frontend;

import io.gitfaas.callback.CallbackQueue;
import io.gitfaas.callback.NatsCallbackQueue;
import io.gitfaas.config.Settings;
import io.gitfaas.frontend.api.NatsOutputFeed;
import io.gitfaas.frontend.api.OutputFeed;
import io.gitfaas.inject.InjectionRequests;
import io.gitfaas.inject.NatsInjectionRequests;
import io.gitfaas.nats.NatsConnector;
import io.gitfaas.nats.NatsResources;
import io.gitfaas.store.Admission;
import io.gitfaas.store.NatsResultStore;
import io.gitfaas.store.NatsTaskQueue;
import io.gitfaas.store.NatsTaskStore;
import io.gitfaas.store.ResultStore;
import io.gitfaas.store.TaskQueue;
import io.gitfaas.store.TaskStore;
import io.gitfaas.system.NatsSystemStatusStore;
import io.gitfaas.system.SystemStatusStore;
import io.gitfaas.task.CancelSignal;
import io.gitfaas.task.NatsCancelSignal;
import io.nats.client.Connection;
import java.util.function.BooleanSupplier;

/**
 * What the frontend's routes stand on: the stores, the queue, the live output, the word to workers
 * that a task is cancelled, the callbacks waiting to be sent, and whether the backing service is
 * reachable. In service all of it is NATS; route tests use the in-memory twins.
 */
public record Backend(
    TaskStore tasks,
    ResultStore results,
    Admission admission,
    TaskQueue queue,
    SystemStatusStore system,
    InjectionRequests injections,
    OutputFeed output,
    CancelSignal cancels,
    CallbackQueue callbacks,
    BooleanSupplier connected) {

  public static Backend nats(Connection connection, Settings settings) {
    NatsResources resources = NatsResources.of(connection, settings);
    return new Backend(
        new NatsTaskStore(resources),
        new NatsResultStore(resources),
        Admission.watched(resources),
        new NatsTaskQueue(connection),
        new NatsSystemStatusStore(resources),
        new NatsInjectionRequests(connection, resources),
        new NatsOutputFeed(connection),
        new NatsCancelSignal(connection),
        new NatsCallbackQueue(connection),
        NatsConnector.connected(connection));
  }
}
