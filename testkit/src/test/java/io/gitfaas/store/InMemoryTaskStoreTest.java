package io.gitfaas.store;

/** The in-memory task store keeps the contract, without any service. */
class InMemoryTaskStoreTest extends TaskStoreContract {
  private final TaskStore store = new InMemoryTaskStore();

  @Override
  TaskStore store() {
    return store;
  }
}
