package io.gitfaas.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser of Prometheus' text exposition format (version 0.0.4): every sample line into its metric
 * name, labels (with the format's escapes) and value; comment lines skipped; a malformed line
 * refused with its number. For tests that read what a service's /metrics says.
 */
public final class PrometheusText {
  private PrometheusText() {}

  public record Sample(String name, Map<String, String> labels, double value) {}

  public static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        samples.add(sample(line));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "line " + (i + 1) + ": " + e.getMessage() + ": " + line, e);
      }
    }
    return samples;
  }

  private static Sample sample(String line) {
    int at = 0;
    while (at < line.length() && isNameChar(line.charAt(at), at == 0)) {
      at++;
    }
    if (at == 0) {
      throw new IllegalArgumentException("no metric name");
    }
    String name = line.substring(0, at);
    Map<String, String> labels = new LinkedHashMap<>();
    if (at < line.length() && line.charAt(at) == '{') {
      at++;
      while (line.charAt(at) != '}') {
        int start = at;
        while (isNameChar(line.charAt(at), at == start)) {
          at++;
        }
        String label = line.substring(start, at);
        if (label.isEmpty() || line.charAt(at) != '=' || line.charAt(at + 1) != '"') {
          throw new IllegalArgumentException("bad label at " + start);
        }
        at += 2;
        StringBuilder value = new StringBuilder();
        for (char c = line.charAt(at); c != '"'; c = line.charAt(at)) {
          if (c == '\\') {
            char escaped = line.charAt(++at);
            value.append(escaped == 'n' ? '\n' : escaped);
          } else {
            value.append(c);
          }
          at++;
        }
        at++;
        labels.put(label, value.toString());
        if (line.charAt(at) == ',') {
          at++;
        }
      }
      at++;
    }
    String[] rest = line.substring(at).strip().split("\\s+");
    return new Sample(name, labels, value(rest[0]));
  }

  private static boolean isNameChar(char c, boolean first) {
    return Character.isLetter(c) || c == '_' || c == ':' || (!first && Character.isDigit(c));
  }

  private static double value(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  /** The sum of the samples named {@code name} whose labels include {@code labels}. */
  public static double sum(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }
}
