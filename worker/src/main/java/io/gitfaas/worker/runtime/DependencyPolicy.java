package io.gitfaas.worker.runtime;

import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a repository may ask a networked download step for: package names and versions from the
 * public registry (PyPI, npm, Maven Central, crates.io), nothing else. No URLs, paths, Git sources
 * or tool options, so a download step can neither fetch from the host's network nor be told to run
 * code.
 */
final class DependencyPolicy {
  /** A PEP 508 requirement without URL or environment marker tricks: name, extras, versions. */
  private static final Pattern PYTHON_REQUIREMENT =
      Pattern.compile(
          "[A-Za-z0-9][A-Za-z0-9._-]*(\\[[A-Za-z0-9._,\\s-]+\\])?\\s*"
              + "([<>=!~]=?\\s*[A-Za-z0-9.*+!-]+(\\s*,\\s*[<>=!~]=?\\s*[A-Za-z0-9.*+!-]+)*)?");

  /** An npm semver range: digits, dots, x/*, operators, hyphen ranges, || alternatives, tags. */
  private static final Pattern NPM_RANGE = Pattern.compile("[0-9A-Za-z.*^~<>=|\\s+-]{1,100}");

  private static final Pattern NPM_NAME =
      Pattern.compile("(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*");

  private DependencyPolicy() {}

  static void checkRequirements(String requirementsTxt) throws RefusedBuildException {
    int n = 0;
    for (String raw : requirementsTxt.split("\n", -1)) {
      n++;
      String line = raw.replaceAll("(^|\\s)#.*$", "").strip();
      if (line.isEmpty()) {
        continue;
      }
      if (!PYTHON_REQUIREMENT.matcher(line).matches()) {
        throw new RefusedBuildException(
            "requirements.txt line "
                + n
                + " is not a plain 'name==version' requirement (options, URLs and paths are not"
                + " allowed): "
                + abbreviate(line));
      }
    }
  }

  static void checkNpmDependencies(Map<String, String> dependencies) throws RefusedBuildException {
    for (var dep : dependencies.entrySet()) {
      if (!NPM_NAME.matcher(dep.getKey()).matches()
          || !NPM_RANGE.matcher(dep.getValue()).matches()
          || dep.getValue().contains("//")) {
        throw new RefusedBuildException(
            "package.json dependency '"
                + abbreviate(dep.getKey())
                + "' must be a registry package with a version range (URLs, Git, file and alias"
                + " sources are not allowed): "
                + abbreviate(dep.getValue()));
      }
    }
  }

  /**
   * Other repositories and files of the host are not sources; extensions are code Maven loads while
   * it reads the pom, which in the download step would be code with a network.
   */
  private static final Pattern POM_REFUSED =
      Pattern.compile("<(repositories|pluginRepositories|systemPath|extensions)>");

  /** A crate from Git, a path or another registry. */
  private static final Pattern CARGO_FOREIGN_SOURCE =
      Pattern.compile("\\b(git|path|registry)\\s*=");

  static void checkPom(String pom) throws RefusedBuildException {
    Matcher refused = POM_REFUSED.matcher(pom);
    if (refused.find()) {
      throw new RefusedBuildException(
          "pom.xml declares <"
              + refused.group(1)
              + ">: dependencies come from Maven Central only, by coordinates");
    }
  }

  /** A section header of Cargo.toml: no workspace, and nothing that replaces crates.io. */
  static void checkCargoSection(String section) throws RefusedBuildException {
    if (section.equals("workspace")) {
      throw new RefusedBuildException(
          "Cargo.toml is a workspace; one package with its binary at the root is supported");
    }
    if (section.startsWith("patch")
        || section.startsWith("replace")
        || section.startsWith("source")) {
      throw new RefusedBuildException(
          "Cargo.toml has [" + section + "]: crates come from crates.io only");
    }
  }

  /** A line of a Cargo.toml dependency table (comment removed). */
  static void checkCargoDependency(String line) throws RefusedBuildException {
    if (CARGO_FOREIGN_SOURCE.matcher(line).find()) {
      throw new RefusedBuildException(
          "Cargo.toml dependency '"
              + line.strip()
              + "' is not a crates.io crate with a version (git, path and other registries are"
              + " not allowed)");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
