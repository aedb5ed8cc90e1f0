package io.gitfaas.worker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Node.js: {@code package.json} with a start script, or {@code index.js}. Dependencies are
 * downloaded with scripts disabled (network, no code runs); their install scripts and the package's
 * build script then run without network.
 */
public final class NodeRuntime implements Runtime {
  @Override
  public String name() {
    return "node";
  }

  @Override
  public String detection() {
    return "Node.js (package.json with a start script, or index.js)";
  }

  @Override
  public boolean matches(Path src) {
    return RepoFile.present(src, "index.js") || startsWithNpm(src);
  }

  @Override
  public List<Step> buildSteps(Path src) throws RefusedBuildException {
    List<Step> steps = new ArrayList<>();
    JsonNode pkg = packageJson(src);
    if (pkg == null) {
      return steps;
    }
    Map<String, String> deps = new LinkedHashMap<>();
    for (String field : List.of("dependencies", "devDependencies", "optionalDependencies")) {
      pkg.path(field).fields().forEachRemaining(e -> deps.put(e.getKey(), e.getValue().asText()));
    }
    if (!deps.isEmpty()) {
      DependencyPolicy.checkNpmDependencies(deps);
      // Outside the repository: its .npmrc, node_modules and scripts are not there to be used.
      steps.add(
          Step.download(
              "npm install",
              List.of("/usr/bin/npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"),
              List.of("package.json", LOCK_FILES.get(0), LOCK_FILES.get(1)),
              List.of("node_modules")));
      steps.add(Step.offline("npm rebuild", List.of("/usr/bin/npm", "rebuild")));
    }
    if (pkg.path("scripts").has("build")) {
      steps.add(Step.offline("npm run build", List.of("/usr/bin/npm", "run", "build")));
    }
    return steps;
  }

  /** npm start with the parameters after "--" (npm quotes each one), or node index.js. */
  @Override
  public List<String> runCommand(Path src, List<String> parameters) {
    return Runtime.argv(
        hasStartScript(src)
            ? List.of("/usr/bin/npm", "start", "--silent", "--")
            : List.of("/usr/bin/node", "index.js"),
        parameters);
  }

  @Override
  public Map<String, String> buildEnv() {
    return Map.of(
        "npm_config_cache", CACHE_DIR + "/npm",
        "npm_config_registry", "https://registry.npmjs.org/",
        "npm_config_userconfig", "/dev/null",
        "npm_config_update_notifier", "false");
  }

  @Override
  public Map<String, String> runEnv() {
    return Map.of("npm_config_update_notifier", "false", "npm_config_cache", "/tmp/npm");
  }

  private static final List<String> LOCK_FILES =
      List.of("package-lock.json", "npm-shrinkwrap.json");

  /**
   * Whether the task starts with npm: a package.json with a start script, or one the build will
   * refuse (a link, too large, not JSON), so that its author learns why.
   */
  private static boolean startsWithNpm(Path src) {
    if (!RepoFile.present(src, "package.json")) {
      return false;
    }
    try {
      return packageJson(src).path("scripts").path("start").isTextual();
    } catch (RefusedBuildException e) {
      return true;
    }
  }

  private static boolean hasStartScript(Path src) {
    try {
      JsonNode pkg = packageJson(src);
      return pkg != null && pkg.path("scripts").path("start").isTextual();
    } catch (RefusedBuildException e) {
      return false;
    }
  }

  private static JsonNode packageJson(Path src) throws RefusedBuildException {
    Optional<byte[]> bytes = RepoFile.read(src, "package.json");
    if (bytes.isEmpty()) {
      return null;
    }
    try {
      JsonNode pkg = Json.MAPPER.readTree(bytes.get());
      if (pkg == null || !pkg.isObject()) {
        throw new RefusedBuildException("package.json is not a JSON object");
      }
      return pkg;
    } catch (IOException e) {
      throw new RefusedBuildException("package.json is not valid JSON: " + firstLine(e));
    }
  }

  private static String firstLine(IOException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = m.indexOf('\n');
    m = cut < 0 ? m : m.substring(0, cut);
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }
}
