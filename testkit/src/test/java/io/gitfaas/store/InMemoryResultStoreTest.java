package io.gitfaas.store;

/** The in-memory result store keeps the contract, without any service. */
class InMemoryResultStoreTest extends ResultStoreContract {
  private final ResultStore store = new InMemoryResultStore();

  @Override
  ResultStore store() {
    return store;
  }

  @Override
  ResultStore storeOfAtMost(long maxBytes) {
    return new InMemoryResultStore(maxBytes);
  }
}
