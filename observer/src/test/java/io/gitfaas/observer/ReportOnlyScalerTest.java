package io.gitfaas.observer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gitfaas.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SCALER=none: the observer reports what it would do and changes nothing. */
class ReportOnlyScalerTest {
  @Test
  void scalerNoneReportsItsAdviceAndStartsNothing() throws Exception {
    Map<String, String> env =
        Map.of("NATS_URL", "nats://127.0.0.1:4222", "SCALER", "none", "MIN_WORKERS", "2");
    Scaler scaler = ObserverMain.scaler(Settings.fromEnv(env, Settings.Service.OBSERVER), Map.of());

    assertThat(scaler).isInstanceOf(ReportOnlyScaler.class);
    assertThat(scaler.describe()).startsWith("none");
    assertThat(scaler.current()).isEqualTo(2);
    scaler.scaleTo(5);
    assertThat(scaler.current()).isEqualTo(5);
  }
}
