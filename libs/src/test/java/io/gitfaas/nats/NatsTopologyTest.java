package io.gitfaas.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NatsTopologyTest {
  static StreamConfiguration.Builder stream() {
    return StreamConfiguration.builder().name("S").subjects("s").replicas(1);
  }

  @Test
  void aStreamAsDeclaredHasNoDifferences() {
    assertThat(NatsTopology.differences(stream().build(), stream().build())).isEmpty();
  }

  @Test
  void eachDifferenceIsNamedWithTheEditThatMendsIt() {
    var found = stream().maxAge(Duration.ofMinutes(20)).replicas(1).denyPurge(false).build();
    var wanted = stream().maxAge(Duration.ZERO).replicas(3).denyPurge(true).build();
    assertThat(NatsTopology.differences(found, wanted))
        .containsExactly("--max-age=0 (is PT20M)", "--replicas=3 (is 1)", "--deny-purge (differs)");
  }

  @Test
  void aQueueFromBeforeTasksHadASubjectPerUserIsNamed() {
    var found = stream().subjects("tasks.run").build();
    var wanted = stream().subjects("tasks.run", "tasks.run.*").build();
    assertThat(NatsTopology.differences(found, wanted))
        .containsExactly("--subjects=tasks.run,tasks.run.* (is tasks.run)");
  }
}
