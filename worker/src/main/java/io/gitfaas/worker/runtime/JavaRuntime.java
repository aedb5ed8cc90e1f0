package io.gitfaas.worker.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Java: a Maven project ({@code pom.xml}) is packaged by Maven and run with its classes and runtime
 * dependencies on the class path, its main class the one the pom names ({@code <mainClass>}, as the
 * jar, shade or exec plugins do, or the {@code exec.mainClass} property) or {@code Main}; a
 * repository with only {@code Main.java} is run with the single-file source launcher ({@code java
 * Main.java}).
 *
 * <p>Maven starts from a seed: the plugins of the standard build, installed with the worker, copied
 * into the user's Maven repository (a per-user cache) before the first build. A project that
 * declares no dependencies and no plugins of its own builds from the seed alone, without network.
 * Any other project first resolves what it declares from Maven Central in a download step, which
 * sees a copy of the pom only; the package step runs the repository's build offline.
 */
public final class JavaRuntime implements Runtime {
  static final String JDK_INSIDE = "/opt/jdk";
  static final String MAVEN_INSIDE = "/opt/maven";
  static final String SEED_INSIDE = "/opt/maven-seed";
  static final String SETTINGS_INSIDE = "/opt/gitfaas/maven-settings.xml";
  static final String REPOSITORY = CACHE_DIR + "/m2";
  static final String POM = "pom.xml";

  /** The dependency plugin the download and package steps name, so no version is looked up. */
  static final String DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

  /** The main class a plugin's configuration names, or the exec plugin's property. */
  private static final Pattern MAIN_CLASS =
      Pattern.compile(
          "<(mainClass|exec\\.mainClass)>\\s*([A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*)"
              + "\\s*</\\1>");

  /** What a pom may ask Maven Central for: the seed has none of it. */
  private static final Pattern DECLARES = Pattern.compile("<(dependencies|plugins|parent)>");

  private final Path mavenHome;
  private final Path seed;
  private final long memoryBytes;
  private final String jdk;
  private final String maven;
  private final Map<Path, String> runBinds;
  private final Map<Path, String> buildBinds;

  /**
   * @param jdkHome a JDK (javac for Maven, java for the run), bound read-only into the sandbox
   * @param mavenHome Maven's home, or null where the worker has no Maven (pom.xml is refused)
   * @param seed a Maven repository with the standard build's plugins, or null
   * @param settings the Maven settings file the steps use (the egress proxy for Maven Central)
   * @param memoryBytes the task's memory limit: the JVMs size their heaps from it
   */
  public JavaRuntime(Path jdkHome, Path mavenHome, Path seed, Path settings, long memoryBytes) {
    this.mavenHome = mavenHome;
    this.seed = seed;
    this.memoryBytes = memoryBytes;
    this.jdk = Toolchains.inside(jdkHome, JDK_INSIDE);
    this.maven = mavenHome == null ? null : Toolchains.inside(mavenHome, MAVEN_INSIDE);
    // Found once: the homes are walked for their links to /etc, not at every step.
    Map<Path, String> run = new LinkedHashMap<>(Toolchains.bind(jdkHome, jdk));
    run.putAll(Toolchains.linkedConfig(jdkHome));
    this.runBinds = Map.copyOf(run);
    Map<Path, String> build = new LinkedHashMap<>(run);
    if (mavenHome != null) {
      build.putAll(Toolchains.bind(mavenHome, maven));
      build.putAll(Toolchains.linkedConfig(mavenHome));
    }
    if (seed != null) {
      build.put(seed, SEED_INSIDE);
    }
    build.put(settings, SETTINGS_INSIDE);
    this.buildBinds = Map.copyOf(build);
  }

  /** Writes the settings file Maven steps use: downloads go through the sandbox's egress proxy. */
  public static Path writeSettings(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("maven-settings.xml");
    Files.writeString(
        file,
        "<settings>\n"
            + "  <interactiveMode>false</interactiveMode>\n"
            + "  <proxies>\n"
            + "    <proxy><id>egress</id><active>true</active><protocol>https</protocol>"
            + "<host>127.0.0.1</host><port>3128</port></proxy>\n"
            + "  </proxies>\n"
            + "</settings>\n");
    return file;
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public String detection() {
    return "Java (pom.xml, or Main.java)";
  }

  @Override
  public boolean matches(Path src) {
    return RepoFile.present(src, POM) || RepoFile.present(src, "Main.java");
  }

  @Override
  public List<Step> buildSteps(Path src) throws RefusedBuildException {
    Optional<String> pom = RepoFile.readText(src, POM);
    if (pom.isEmpty()) {
      return List.of(); // Main.java: the source launcher compiles it as it runs
    }
    if (mavenHome == null) {
      throw new RefusedBuildException("this worker has no Maven; only Main.java projects run here");
    }
    DependencyPolicy.checkPom(pom.get());
    if (seed == null) {
      throw new RefusedBuildException(
          "this worker has no Maven seed (scripts/install.sh builds it); only Main.java projects"
              + " run here");
    }
    List<Step> steps = new ArrayList<>();
    if (DECLARES.matcher(pom.get()).find()) {
      // The download step runs Maven's dependency plugin from the user's repository, which the
      // repository's own builds could write to: the seed's files are put back first, so the
      // code that runs with a network is the seed's, never what an earlier build left there.
      steps.add(
          Step.offline("maven seed", List.of("/bin/cp", "-R", SEED_INSIDE + "/.", REPOSITORY)));
      steps.add(
          Step.download(
              "mvn dependency:go-offline",
              maven(DEPENDENCY_PLUGIN + ":go-offline"),
              List.of(POM),
              List.of()));
    } else {
      // Nothing to download: only what the user's repository lacks is copied.
      steps.add(
          Step.offline(
              "maven seed",
              List.of("/bin/cp", "-R", "--no-clobber", SEED_INSIDE + "/.", REPOSITORY)));
    }
    List<String> packageStep =
        maven(
            "--offline",
            "-Dmaven.test.skip=true",
            "package",
            DEPENDENCY_PLUGIN + ":copy-dependencies",
            "-DincludeScope=runtime",
            "-DoutputDirectory=target/lib");
    steps.add(Step.offline("mvn package", packageStep));
    return steps;
  }

  private List<String> maven(String... goals) {
    List<String> argv = new ArrayList<>();
    argv.add(maven + "/bin/mvn");
    argv.addAll(
        List.of(
            "--batch-mode",
            "--no-transfer-progress",
            "--settings",
            SETTINGS_INSIDE,
            "-Dmaven.repo.local=" + REPOSITORY));
    argv.addAll(List.of(goals));
    return argv;
  }

  @Override
  public List<String> runCommand(Path src, List<String> parameters) {
    List<String> command = new ArrayList<>();
    command.add(jdk + "/bin/java");
    command.addAll(jvmOptions(50));
    if (!RepoFile.present(src, POM)) {
      command.add("Main.java");
      return Runtime.argv(command, parameters);
    }
    String mainClass;
    try {
      mainClass =
          RepoFile.readText(src, POM)
              .map(MAIN_CLASS::matcher)
              .filter(Matcher::find)
              .map(m -> m.group(2))
              .orElse("Main");
    } catch (RefusedBuildException e) {
      throw new IllegalStateException("pom.xml was readable for the build: " + e.getMessage(), e);
    }
    command.addAll(List.of("-cp", "target/classes:target/lib/*", mainClass));
    return Runtime.argv(command, parameters);
  }

  /**
   * The JVM sees the host's memory, not the task's limit (no cgroup files in the sandbox): its heap
   * is sized from the limit instead. C1 only and the serial collector: a short program starts
   * sooner, with fewer threads (every thread counts against TASK_MAX_PROCESSES).
   */
  private List<String> jvmOptions(int heapPercent) {
    return List.of(
        "-XX:MaxRAM=" + memoryBytes,
        "-XX:MaxRAMPercentage=" + heapPercent,
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:-UsePerfData");
  }

  @Override
  public Map<Path, String> toolchain() {
    return buildBinds;
  }

  @Override
  public Map<Path, String> runToolchain() {
    return runBinds;
  }

  @Override
  public Map<String, String> buildEnv() {
    return Map.of(
        "JAVA_HOME",
        jdk,
        "MAVEN_OPTS",
        String.join(" ", jvmOptions(60)) + " -Djava.io.tmpdir=/tmp -Duser.home=/tmp");
  }

  @Override
  public String buildPath() {
    return jdk + "/bin:/usr/bin:/bin";
  }
}
