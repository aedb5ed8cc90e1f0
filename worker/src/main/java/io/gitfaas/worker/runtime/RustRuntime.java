package io.gitfaas.worker.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rust: {@code Cargo.toml} at the root; its package's binary is built with {@code cargo build
 * --release} and run. Crates come from crates.io in a download step ({@code cargo fetch}) that sees
 * copies of {@code Cargo.toml} and {@code Cargo.lock} only; the build, build scripts and procedural
 * macros included, runs offline. With a lock file, both steps are {@code --locked}. The user's
 * cargo home and target directory are a per-user cache, so a later commit rebuilds only what
 * changed.
 */
public final class RustRuntime implements Runtime {
  static final String RUST_INSIDE = "/opt/rust";
  static final String MANIFEST = "Cargo.toml";
  static final String LOCK = "Cargo.lock";
  static final String CARGO_HOME = CACHE_DIR + "/cargo";

  private static final Pattern SECTION =
      Pattern.compile("^\\s*\\[+\\s*([^\\]]+?)\\s*\\]+\\s*(#.*)?$");
  private static final Pattern NAME =
      Pattern.compile("^\\s*name\\s*=\\s*\"([A-Za-z0-9_-]{1,64})\"");

  private final Path sysroot;

  /**
   * @param sysroot the toolchain ({@code rustc --print sysroot}), bound read-only for builds
   */
  public RustRuntime(Path sysroot) {
    this.sysroot = sysroot;
  }

  @Override
  public String name() {
    return "rust";
  }

  @Override
  public String detection() {
    return "Rust (Cargo.toml)";
  }

  @Override
  public boolean matches(Path src) {
    return RepoFile.present(src, MANIFEST);
  }

  @Override
  public List<Step> buildSteps(Path src) throws RefusedBuildException {
    String manifest =
        RepoFile.readText(src, MANIFEST)
            .orElseThrow(() -> new RefusedBuildException("no Cargo.toml"));
    Manifest m = Manifest.of(manifest);
    boolean locked = RepoFile.present(src, LOCK);
    String cargo = RUST_INSIDE + "/bin/cargo";
    List<Step> steps = new ArrayList<>();
    if (m.hasDependencies) {
      // A build script of an earlier task of the user may have left a cargo configuration in the
      // cargo home (a rustc wrapper, a credential provider): it goes before cargo runs with a
      // network.
      steps.add(
          Step.offline(
              "forget cargo configuration",
              List.of(
                  "/bin/rm",
                  "-f",
                  CARGO_HOME + "/config",
                  CARGO_HOME + "/config.toml",
                  CARGO_HOME + "/credentials",
                  CARGO_HOME + "/credentials.toml")));
      List<String> fetch = new ArrayList<>(List.of(cargo, "fetch"));
      if (locked) {
        fetch.add("--locked");
      }
      steps.add(
          Step.download("cargo fetch", fetch, List.of(MANIFEST, LOCK), List.of(LOCK))
              .withStubs(Map.of("src/main.rs", "fn main() {}\n")));
    }
    List<String> build = new ArrayList<>(List.of(cargo, "build", "--release", "--offline"));
    if (locked) {
      build.add("--locked");
    }
    steps.add(Step.offline("cargo build", build));
    steps.add(
        Step.offline(
            "keep the binary",
            List.of("/bin/cp", CACHE_DIR + "/target/release/" + m.packageName, BIN_DIR + "/app")));
    return steps;
  }

  /** What the worker needs of a Cargo.toml, read as lines (no TOML library sees it). */
  private record Manifest(String packageName, boolean hasDependencies) {
    static Manifest of(String toml) throws RefusedBuildException {
      String section = "";
      String name = null;
      boolean dependencies = false;
      for (String line : toml.split("\n", -1)) {
        Matcher header = SECTION.matcher(line);
        if (header.matches()) {
          section = header.group(1).strip();
          DependencyPolicy.checkCargoSection(section);
          continue;
        }
        String code = line.replaceAll("#.*$", "");
        if (section.equals("package") && name == null) {
          Matcher n = NAME.matcher(code);
          if (n.find()) {
            name = n.group(1);
          }
        }
        boolean inDependencies =
            isDependencies(section) || code.matches("^\\s*[A-Za-z0-9_.-]*dependencies\\.[^=]*=.*");
        if (inDependencies) {
          DependencyPolicy.checkCargoDependency(code);
        }
        dependencies |= inDependencies && !code.isBlank();
      }
      if (name == null) {
        throw new RefusedBuildException("Cargo.toml must name its [package]: name = \"...\"");
      }
      return new Manifest(name, dependencies);
    }

    private static boolean isDependencies(String section) {
      return section.endsWith("dependencies") || section.contains("dependencies.");
    }
  }

  @Override
  public List<String> runCommand(Path src, List<String> parameters) {
    return Runtime.argv(List.of(BIN_DIR + "/app"), parameters);
  }

  @Override
  public Map<Path, String> toolchain() {
    return Map.of(sysroot, RUST_INSIDE);
  }

  @Override
  public Map<String, String> buildEnv() {
    return Map.of(
        "CARGO_HOME",
        CACHE_DIR + "/cargo",
        "CARGO_TARGET_DIR",
        CACHE_DIR + "/target",
        "RUSTC",
        RUST_INSIDE + "/bin/rustc",
        "CARGO_TERM_COLOR",
        "never",
        "CARGO_REGISTRIES_CRATES_IO_PROTOCOL",
        "sparse",
        "CARGO_NET_RETRY",
        "2");
  }

  @Override
  public String buildPath() {
    return RUST_INSIDE + "/bin:/usr/bin:/bin";
  }

  @Override
  public boolean buildIsInBin() {
    return true;
  }
}
