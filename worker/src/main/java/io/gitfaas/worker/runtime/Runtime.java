package io.gitfaas.worker.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How one language is detected, built and run. A repository's runtime is the first entry of the
 * {@link RuntimeTable} that matches its root; adding a language is adding one entry.
 */
public interface Runtime {
  /** Where the build puts what {@link #runCommand} runs (inside the sandbox). */
  String BIN_DIR = "/work/bin";

  /** Where the repository is inside the sandbox. */
  String SRC_DIR = "/work/src";

  /** Where download steps run: copies of the manifests they need, outside the repository. */
  String DEPS_DIR = "/work/deps";

  /** Where the runtime's per-user cache is inside the sandbox during builds. */
  String CACHE_DIR = "/cache";

  String name();

  /** What the repository root must hold, for users' error messages. */
  String detection();

  boolean matches(Path src);

  /**
   * The build, step by step; {@code src} may be inspected (e.g. for dependencies).
   *
   * @throws RefusedBuildException when the repository asks for something the policy refuses
   */
  List<Step> buildSteps(Path src) throws IOException, RefusedBuildException;

  /** The program to run, parameters last, each one argv entry; {@code src} may be inspected. */
  List<String> runCommand(Path src, List<String> parameters);

  /** Host directories the build needs read-only (toolchains), by sandbox path; none here. */
  default Map<Path, String> toolchain() {
    return Map.of();
  }

  /**
   * A program of the worker's own whose build fills a cache template for this runtime: built once
   * when the worker starts, copied into each user's first cache of the runtime. None by default.
   */
  default Map<String, String> warmProgram() {
    return Map.of();
  }

  /** Host directories the run needs read-only (a JVM), by sandbox path; none by default. */
  default Map<Path, String> runToolchain() {
    return Map.of();
  }

  /** The build's environment besides PATH and HOME; none by default. */
  default Map<String, String> buildEnv() {
    return Map.of();
  }

  /** The PATH inside the sandbox while building: the system's by default. */
  default String buildPath() {
    return "/usr/bin:/bin";
  }

  /**
   * Whether everything the run needs from the build is in {@link #BIN_DIR}, so a build can be kept
   * and reused for the same commit.
   */
  default boolean buildIsInBin() {
    return false;
  }

  /** A program's argv: its command, then the parameters, each one entry. */
  static List<String> argv(List<String> command, List<String> parameters) {
    List<String> argv = new java.util.ArrayList<>(command);
    argv.addAll(parameters);
    return argv;
  }

  /** The run's environment besides the common variables; none by default. */
  default Map<String, String> runEnv() {
    return Map.of();
  }

  /** A build the runtime will not attempt; the message is for the user. */
  final class RefusedBuildException extends Exception {
    private static final long serialVersionUID = 1L;

    public RefusedBuildException(String message) {
      super(message);
    }
  }

  /**
   * One build command.
   *
   * @param network whether it needs the network (only to download dependencies). Such a step runs
   *     in {@link #DEPS_DIR}, which holds copies of its {@code manifests} and nothing else of the
   *     repository, so no file of the repository can change what it runs
   * @param manifests the repository's files a download step reads (copied when present)
   * @param produces what a download step leaves in {@link #DEPS_DIR} for the repository: moved to
   *     the repository root after the step, replacing what the repository had there
   * @param stubs files a download step's tool insists on besides the manifests (cargo wants a
   *     target to exist), written by the worker with the content given, never the repository's
   */
  record Step(
      String name,
      List<String> command,
      boolean network,
      List<String> manifests,
      List<String> produces,
      Map<String, String> stubs) {
    public Step {
      command = List.copyOf(command);
      manifests = List.copyOf(manifests);
      produces = List.copyOf(produces);
      stubs = Map.copyOf(stubs);
    }

    /** A step without network, run in the repository. */
    public static Step offline(String name, List<String> command) {
      return new Step(name, command, false, List.of(), List.of(), Map.of());
    }

    /** A download step, run outside the repository with copies of its manifests. */
    public static Step download(
        String name, List<String> command, List<String> manifests, List<String> produces) {
      return new Step(name, command, true, manifests, produces, Map.of());
    }

    /** The same step, with these files written beside the manifests. */
    public Step withStubs(Map<String, String> files) {
      return new Step(name, command, network, manifests, produces, files);
    }
  }
}
