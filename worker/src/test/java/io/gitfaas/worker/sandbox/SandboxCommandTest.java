package io.gitfaas.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxCommandTest {
  final SandboxCommand command = new SandboxCommand(Path.of("/usr/bin/bwrap"), Path.of("/id"));

  SandboxSpec spec(boolean network, List<String> argv) {
    return new SandboxSpec(
        argv,
        "/work/src",
        Map.of(Path.of("/host/src"), "/work/src", Path.of("/host/out"), "/work/output"),
        network
            ? Map.of(
                Path.of("/host/bin"),
                "/work/bin",
                Path.of("/w/egress.sock"),
                SandboxCommand.EGRESS_SOCKET)
            : Map.of(Path.of("/host/bin"), "/work/bin"),
        Map.of("PATH", "/usr/bin", "OUTPUT_DIR", "/work/output"),
        network,
        Duration.ofSeconds(1),
        1024,
        new SandboxSpec.Limits(64L << 20, 16, 1 << 20, List.of()));
  }

  @Test
  void isolatesEverythingAndPassesArgvVerbatim() {
    List<String> params = List.of("$(id)", "; rm -rf /", "--flag", "a\nb");
    List<String> argv = new java.util.ArrayList<>(List.of("/work/bin/app"));
    argv.addAll(params);
    List<String> a = command.argv(spec(false, argv));

    assertThat(a.get(0)).isEqualTo("/usr/bin/bwrap");
    assertThat(Collections.indexOfSubList(a, List.of("--block-fd", "0"))).isNotNegative();
    assertThat(
            Collections.indexOfSubList(
                a, List.of("--size", Long.toString(64L << 20), "--tmpfs", "/tmp")))
        .isNotNegative();
    assertThat(a).contains("--unshare-all", "--die-with-parent", "--new-session", "--clearenv");
    assertThat(a).doesNotContain("--share-net");
    assertThat(a.subList(a.indexOf("--") + 1, a.size())).isEqualTo(argv);
    assertThat(Collections.indexOfSubList(a, List.of("--ro-bind", "/usr", "/usr"))).isNotNegative();
    assertThat(Collections.indexOfSubList(a, List.of("--bind", "/host/src", "/work/src")))
        .isNotNegative();
    assertThat(Collections.indexOfSubList(a, List.of("--ro-bind", "/host/bin", "/work/bin")))
        .isNotNegative();
    assertThat(Collections.indexOfSubList(a, List.of("--setenv", "OUTPUT_DIR", "/work/output")))
        .isNotNegative();
    assertThat(a).noneMatch(s -> s.contains("/bin/sh") || s.equals("-c"));
  }

  @Test
  void networkOnlyThroughTheEgressBridge() {
    List<String> a = command.argv(spec(true, List.of("go", "mod", "download")));
    assertThat(a).doesNotContain("--share-net").contains("--unshare-all");
    assertThat(
            Collections.indexOfSubList(
                a, List.of("--ro-bind", "/w/egress.sock", "/run/gitfaas/egress.sock")))
        .isNotNegative();
    assertThat(a.subList(a.indexOf("--") + 1, a.size()))
        .containsExactly(
            "/usr/bin/python3",
            "/run/gitfaas/egress-bridge.py",
            "/run/gitfaas/egress.sock",
            "go",
            "mod",
            "download");
    assertThat(
            Collections.indexOfSubList(
                a, List.of("--setenv", "HTTPS_PROXY", "http://127.0.0.1:3128")))
        .isNotNegative();
  }
}
