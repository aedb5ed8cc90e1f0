package io.gitfaas.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values from an environment map, collecting every problem with the name of the
 * variable so start-up can report them all at once.
 */
public final class Env {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg]?)");

  private final Map<String, String> values;
  private final List<String> problems = new ArrayList<>();
  private final java.util.Set<String> asked = new java.util.TreeSet<>();

  public Env(Map<String, String> values) {
    this.values = values;
  }

  public String string(String name, String fallback) {
    asked.add(name);
    String v = values.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  public boolean bool(String name, boolean fallback) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> problem(name, v, "true or false", fallback);
    };
  }

  public int integer(String name, int fallback, int min, int max) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        return problem(name, v, "a number from " + min + " to " + max, fallback);
      }
      return n;
    } catch (NumberFormatException e) {
      return problem(name, v, "a whole number", fallback);
    }
  }

  public Duration duration(String name, Duration fallback, Duration min, Duration max) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    Duration d = parseDuration(v);
    if (d == null) {
      return problem(name, v, "a duration such as 500ms, 20s, 20m or 1h", fallback);
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      return problem(name, v, "a duration from " + min + " to " + max, fallback);
    }
    return d;
  }

  public long size(String name, long fallback, long min, long max) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    long s = parseSize(v);
    if (s < 0) {
      return problem(name, v, "a size such as 512k, 16m or 1g", fallback);
    }
    if (s < min || s > max) {
      return problem(name, v, "a size from " + min + " to " + max + " bytes", fallback);
    }
    return s;
  }

  /** A comma-separated list, lower-cased, blanks dropped. */
  public Set<String> list(String name) {
    String v = string(name, "");
    Set<String> out = new LinkedHashSet<>();
    Arrays.stream(v.split(","))
        .map(s -> s.trim().toLowerCase(Locale.ROOT))
        .filter(s -> !s.isEmpty())
        .forEach(out::add);
    return Set.copyOf(out);
  }

  public <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v)) {
        return e;
      }
    }
    return problem(
        name,
        v,
        "one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT),
        fallback);
  }

  /** Adds a problem found by a cross-field check. */
  public void require(boolean ok, String name, String message) {
    if (!ok) {
      problems.add(name + ": " + message);
    }
  }

  /** Every variable name read so far. */
  java.util.Set<String> asked() {
    return java.util.Collections.unmodifiableSet(asked);
  }

  /** Throws one exception naming every bad variable, if there was any. */
  public void check() {
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
  }

  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return null;
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      return null;
    }
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches() || m.group(1).length() > 12) {
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "k" -> n << 10;
      case "m" -> n << 20;
      case "g" -> n << 30;
      default -> n;
    };
  }

  private <T> T problem(String name, String value, String expected, T fallback) {
    problems.add(name + ": '" + value + "' is not " + expected);
    return fallback;
  }
}
