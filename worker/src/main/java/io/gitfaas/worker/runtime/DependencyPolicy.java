package io.gitfaas.worker.runtime;

import io.gitfaas.worker.runtime.Runtime.RefusedBuildException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a repository may ask a networked download step for: package names and versions from the
 * public registry, nothing else. No URLs, paths, Git sources or tool options, so a download step
 * can neither fetch from the host's network nor be told to run code.
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

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
