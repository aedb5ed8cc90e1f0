package io.gitfaas.inject;

import java.util.Locale;
import java.util.Optional;

/**
 * Names of injected files, made safe: the last path segment of what the admin uploaded, with every
 * character but letters, digits, '.', '-' and '_' replaced, no leading dots (so no '..' and no
 * hidden files), at most 128 characters.
 */
public final class InjectedFileName {
  public static final int MAX_LENGTH = 128;

  private InjectedFileName() {}

  public static Optional<String> sanitize(String uploaded) {
    if (uploaded == null) {
      return Optional.empty();
    }
    String base = uploaded.replace('\\', '/');
    base = base.substring(base.lastIndexOf('/') + 1);
    StringBuilder out = new StringBuilder();
    for (char c : base.toCharArray()) {
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '-'
              || c == '_';
      out.append(ok ? c : '_');
    }
    String name = out.toString().replaceFirst("^\\.+", "");
    if (name.length() > MAX_LENGTH) {
      name = name.substring(0, MAX_LENGTH);
    }
    return name.isEmpty() || name.chars().allMatch(c -> c == '_')
        ? Optional.empty()
        : Optional.of(name);
  }

  /** Whether a name is already safe (as stored names and delete requests must be). */
  public static boolean isSafe(String name) {
    return sanitize(name).map(s -> s.equals(name)).orElse(false)
        && !name.toLowerCase(Locale.ROOT).equals("con");
  }
}
