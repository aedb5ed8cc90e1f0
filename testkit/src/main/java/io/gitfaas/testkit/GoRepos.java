package io.gitfaas.testkit;

import java.util.Map;

/** Go programs the tests submit as repositories. */
public final class GoRepos {
  private GoRepos() {}

  public static final String GO_MOD = "module example.com/task\n\ngo 1.21\n";

  public static Map<String, String> program(String body, String... imports) {
    StringBuilder src = new StringBuilder("package main\n\nimport (\n");
    for (String imp : imports) {
      src.append("\t\"").append(imp).append("\"\n");
    }
    src.append(")\n\nfunc main() {\n").append(body).append("\n}\n");
    return Map.of("go.mod", GO_MOD, "main.go", src.toString());
  }

  /** Prints "hello" and its parameters joined by '|'. */
  public static Map<String, String> hello() {
    return program(
        "\tfmt.Println(\"hello \" + strings.Join(os.Args[1:], \"|\"))\n"
            + "\tfmt.Fprintln(os.Stderr, \"to stderr\")",
        "fmt",
        "os",
        "strings");
  }

  /** Sleeps for the given duration, then prints "done". */
  public static Map<String, String> sleeper(String duration) {
    return program(
        "\td, _ := time.ParseDuration(\""
            + duration
            + "\")\n"
            + "\ttime.Sleep(d)\n\tfmt.Println(\"done\")",
        "fmt",
        "time");
  }
}
