package io.gitfaas.store;

/** Admission over in-memory entries keeps the contract, without any service. */
class InMemoryAdmissionTest extends AdmissionContract {
  private final Admission.Entries entries = new Admission.InMemoryEntries();

  @Override
  Admission.Entries entries() {
    return entries;
  }
}
