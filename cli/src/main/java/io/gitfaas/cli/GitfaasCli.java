package io.gitfaas.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The gitfaas command line. {@code gitfaas run URL -- ARGS...} submits a task, prints its output as
 * it runs and exits with the task's exit code; the other commands read and manage tasks. It signs
 * in with GITFAAS_TOKEN or GITFAAS_COOKIE_FILE and talks to GITFAAS_URL.
 */
@Command(
    name = "gitfaas",
    mixinStandardHelpOptions = true,
    version = "gitfaas 0.1.0",
    description = "Runs public Git repositories' programs on a gitfaas service.",
    footer = {
      "",
      "Environment: GITFAAS_URL (default http://localhost:4180); GITFAAS_TOKEN, an ID token",
      "(scripts/login.sh --token EMAIL prints one), or GITFAAS_COOKIE_FILE, a file holding the",
      "_oauth2_proxy cookie (scripts/login.sh EMAIL prints it).",
      "Exit status: run exits with the task's exit code, 1 when the task ended without one of its",
      "own (a failed build), 75 when the service failed it; every command exits 2 on bad usage",
      "and 69 when the service refuses or cannot be reached."
    },
    subcommands = {
      GitfaasCli.Run.class,
      GitfaasCli.Status.class,
      GitfaasCli.ListTasks.class,
      GitfaasCli.Output.class,
      GitfaasCli.Result.class,
      GitfaasCli.Cancel.class,
      GitfaasCli.Delete.class
    })
public final class GitfaasCli {
  static final int REFUSED = 69;
  static final int SERVICE_FAILED_TASK = 75;

  @Option(names = "--url", description = "the service (default: GITFAAS_URL)")
  String url;

  @Option(names = "--json", description = "print JSON records, for scripts")
  boolean json;

  Map<String, String> env = System.getenv();

  PrintWriter out;
  PrintWriter err;

  Api api() throws java.io.IOException {
    return Api.fromEnvironment(env, url);
  }

  public static void main(String[] args) {
    System.exit(
        run(
            System.getenv(),
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true),
            args));
  }

  /** Runs one command line; returns its exit status. */
  static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
    GitfaasCli cli = new GitfaasCli();
    cli.env = env;
    cli.out = out;
    cli.err = err;
    CommandLine line = new CommandLine(cli);
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> {
          if (e instanceof Api.Refused refused) {
            String again =
                refused.retryAfter == null ? "" : " (try again in " + refused.retryAfter + " s)";
            err.println("gitfaas: " + refused.getMessage() + again);
            return REFUSED;
          }
          throw e;
        });
    return line.execute(args);
  }

  /** A record as one line: id, status, and why when it says. */
  static String describe(JsonNode task) {
    String line = task.path("taskId").asText() + " " + task.path("status").asText();
    if (!task.path("exitCode").isNull() && task.has("exitCode")) {
      line += " exit " + task.path("exitCode").asInt();
    }
    if (task.hasNonNull("reason")) {
      line += ": " + task.path("reason").asText();
    }
    return line;
  }

  /** The exit status that tells a script how the task ended. */
  static int exitStatusOf(JsonNode task) {
    return switch (task.path("status").asText()) {
      case "FINISHED" -> 0;
      case "FINISHED_ERRORS" ->
          task.hasNonNull("exitCode") && task.path("exitCode").asInt() != 0
              ? task.path("exitCode").asInt()
              : 1;
      default -> SERVICE_FAILED_TASK;
    };
  }

  @Command(
      name = "run",
      description = "Submits a task, prints its output as it runs, exits with its exit code.")
  static final class Run implements Callable<Integer> {
    @ParentCommand GitfaasCli cli;

    @Parameters(index = "0", description = "the repository's URL")
    String repository;

    @Parameters(index = "1..*", arity = "0..*", description = "the program's parameters (after --)")
    List<String> parameters = new ArrayList<>();

    @Option(names = "--ref", description = "branch, tag or commit")
    String ref;

    @Option(
        names = {"-o", "--output"},
        description = "save the result zip here")
    Path zip;

    @Option(names = "--callback-url", description = "where the service posts the final record")
    String callbackUrl;

    @Override
    public Integer call() throws Exception {
      Api api = cli.api();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("url", repository);
      body.put("parameters", parameters);
      if (ref != null) {
        body.put("ref", ref);
      }
      if (callbackUrl != null) {
        body.put("callbackUrl", callbackUrl);
      }
      String id = api.post("/createTask", body).path("taskId").asText();
      if (!cli.json) {
        cli.err.println("gitfaas: task " + id);
      }
      boolean printed = follow(api, id);
      JsonNode task = api.get("/getTaskStatus?taskId=" + Api.query(id));
      while (task.path("code").asInt() < 300) { // the stream broke off: ask until it has ended
        Thread.sleep(500);
        task = api.get("/getTaskStatus?taskId=" + Api.query(id));
      }
      if (!cli.json && !printed) {
        printWhole(api, task);
      }
      if (zip != null) {
        api.download("/getTaskResult?taskId=" + Api.query(id), zip);
      }
      if (cli.json) {
        cli.out.println(task);
      } else if (exitStatusOf(task) != 0) {
        cli.err.println("gitfaas: " + describe(task));
      }
      return exitStatusOf(task);
    }

    /**
     * Prints the output as the task prints it, when the stream was listening before the task began
     * (it says so with {@code ready}, and the task was still waiting then); returns whether it did.
     */
    private boolean follow(Api api, String id) throws Exception {
      boolean live = false;
      try (Stream<String> lines = api.events("/streamTaskOutput?taskId=" + Api.query(id))) {
        String event = null;
        for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
          String line = it.next();
          if (line.startsWith("event:")) {
            event = line.substring(6).trim();
          } else if (line.startsWith("data:") && event != null) {
            JsonNode data = Api.JSON.readTree(line.substring(5).trim());
            switch (event) {
              case "ready" ->
                  live =
                      !cli.json
                          && api.get("/getTaskStatus?taskId=" + Api.query(id))
                              .path("status")
                              .asText()
                              .equals("PENDING");
              case "stdout" -> print(live, cli.out, data);
              case "stderr" -> print(live, cli.err, data);
              case "end" -> {
                return live;
              }
              default -> {}
            }
          }
        }
      }
      return false; // the stream ended early: the whole output is printed from the result
    }

    private static void print(boolean live, PrintWriter to, JsonNode data) {
      if (live) {
        to.print(data.path("text").asText());
        to.flush();
      }
    }

    /** The output from the result (or the record's heads when no result was kept). */
    private void printWhole(Api api, JsonNode task) throws Exception {
      String id = task.path("taskId").asText();
      for (String stream : List.of("stdout", "stderr")) {
        String text;
        try {
          text =
              api.get(
                      "/getTaskOutput?taskId="
                          + Api.query(id)
                          + "&stream="
                          + stream
                          + "&limit=1048576")
                  .path("text")
                  .asText();
        } catch (Api.Refused noResult) {
          text = task.path("outputHeads").path(stream).asText("");
        }
        PrintWriter to = stream.equals("stdout") ? cli.out : cli.err;
        to.print(text);
        to.flush();
      }
    }
  }

  /** A command about one task, named by its id. */
  abstract static class TaskCommand implements Callable<Integer> {
    @ParentCommand GitfaasCli cli;

    @Parameters(description = "the task's id")
    String id;
  }

  @Command(name = "status", description = "A task's record.")
  static final class Status extends TaskCommand {

    @Override
    public Integer call() throws Exception {
      JsonNode task = cli.api().get("/getTaskStatus?taskId=" + Api.query(id));
      cli.out.println(cli.json ? task.toString() : describe(task));
      return 0;
    }
  }

  @Command(name = "list", description = "Your tasks, newest first.")
  static final class ListTasks implements Callable<Integer> {
    @ParentCommand GitfaasCli cli;

    @Option(
        names = "--limit",
        description = "at most this many (default 100)",
        defaultValue = "100")
    int limit;

    @Override
    public Integer call() throws Exception {
      JsonNode page = cli.api().get("/getAllTasks?limit=" + limit);
      if (cli.json) {
        cli.out.println(page.path("tasks"));
      } else {
        for (JsonNode task : page.path("tasks")) {
          cli.out.println(
              task.path("createdAt").asText()
                  + " "
                  + describe(task)
                  + " "
                  + task.path("url").asText());
        }
      }
      return 0;
    }
  }

  @Command(
      name = "output",
      description = "The start of a finished task's stdout, stderr or build log.")
  static final class Output extends TaskCommand {

    @Option(
        names = "--stream",
        description = "stdout (default), stderr or build",
        defaultValue = "stdout")
    String stream;

    @Override
    public Integer call() throws Exception {
      JsonNode output =
          cli.api()
              .get(
                  "/getTaskOutput?taskId="
                      + Api.query(id)
                      + "&stream="
                      + Api.query(stream)
                      + "&limit=1048576");
      if (cli.json) {
        cli.out.println(output);
      } else {
        cli.out.print(output.path("text").asText());
        cli.out.flush();
      }
      return 0;
    }
  }

  @Command(name = "result", description = "Saves a finished task's result zip.")
  static final class Result extends TaskCommand {

    @Option(
        names = {"-o", "--output"},
        required = true,
        description = "the file to write")
    Path zip;

    @Override
    public Integer call() throws Exception {
      cli.api().download("/getTaskResult?taskId=" + Api.query(id), zip);
      return 0;
    }
  }

  @Command(name = "cancel", description = "Takes a task back.")
  static final class Cancel extends TaskCommand {

    @Override
    public Integer call() throws Exception {
      JsonNode task = cli.api().post("/cancelTask?taskId=" + Api.query(id), null);
      cli.out.println(cli.json ? task.toString() : describe(task));
      return 0;
    }
  }

  @Command(name = "delete", description = "Removes a task and its result now.")
  static final class Delete extends TaskCommand {

    @Override
    public Integer call() throws Exception {
      cli.api().post("/deleteTask?taskId=" + Api.query(id), null);
      return 0;
    }
  }
}
