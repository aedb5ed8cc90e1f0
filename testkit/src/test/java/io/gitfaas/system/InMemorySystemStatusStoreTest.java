package io.gitfaas.system;

/** The in-memory system status store keeps the contract, without any service. */
class InMemorySystemStatusStoreTest extends SystemStatusStoreContract {
  private final SystemStatusStore store = new InMemorySystemStatusStore();

  @Override
  SystemStatusStore store() {
    return store;
  }
}
