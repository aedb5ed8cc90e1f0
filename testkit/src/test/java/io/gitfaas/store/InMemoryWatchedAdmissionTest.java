package io.gitfaas.store;

/**
 * Admission whose first tries use the set as last seen keeps the contract, each admission with a
 * view of its own that only its own reads and writes update (no watch: as far behind as it gets).
 */
class InMemoryWatchedAdmissionTest extends AdmissionContract {
  private final Admission.Entries shared = new Admission.InMemoryEntries();

  @Override
  Admission.Entries entries() {
    return new WatchedEntries(shared);
  }
}
