package io.gitfaas.worker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    return hasStartScript(src) || Files.isRegularFile(src.resolve("index.js"));
  }

  @Override
  public List<Step> buildSteps(Path src) throws IOException, RefusedBuildException {
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
      steps.add(
          new Step(
              "npm install",
              List.of("/usr/bin/npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"),
              true));
      steps.add(new Step("npm rebuild", List.of("/usr/bin/npm", "rebuild"), false));
    }
    if (pkg.path("scripts").has("build")) {
      steps.add(new Step("npm run build", List.of("/usr/bin/npm", "run", "build"), false));
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

  private static boolean hasStartScript(Path src) {
    try {
      JsonNode pkg = packageJson(src);
      return pkg != null && pkg.path("scripts").path("start").isTextual();
    } catch (IOException e) {
      return false;
    }
  }

  private static JsonNode packageJson(Path src) throws IOException {
    Path file = src.resolve("package.json");
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException("package.json is not valid JSON", e);
    }
  }
}
