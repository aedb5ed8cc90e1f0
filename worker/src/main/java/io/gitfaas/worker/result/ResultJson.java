package io.gitfaas.worker.result;

import io.gitfaas.config.Settings.TaskLimits;
import io.gitfaas.json.Json;
import io.gitfaas.task.TaskRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/** The result.json of a result zip. */
public final class ResultJson {
  private ResultJson() {}

  public static byte[] of(
      TaskRequest task, Outcome outcome, TaskLimits limits, boolean outputTruncated) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("taskId", task.taskId());
    json.put("status", outcome.status());
    json.put("code", outcome.status().code());
    json.put("reason", outcome.reason());
    json.put("exitCode", outcome.exitCode());
    json.put("signal", outcome.signal());
    json.put("runtime", outcome.runtime());
    json.put("commit", outcome.commit());
    json.put("url", task.url());
    json.put("ref", task.ref());
    json.put("parameters", task.parameters());
    json.put("limitHit", outcome.limitHit());
    json.put("timingsMs", outcome.timingsMs());
    json.put("phases", outcome.phases());
    Map<String, Object> applied = new LinkedHashMap<>();
    applied.put("runTimeoutMs", limits.runTimeout().toMillis());
    applied.put("buildTimeoutMs", limits.buildTimeout().toMillis());
    applied.put("memoryBytes", limits.memoryLimit());
    applied.put("maxProcesses", limits.maxProcesses());
    applied.put("diskBytes", limits.diskLimit());
    applied.put("maxOutputBytes", limits.maxOutputBytes());
    applied.put("resultMaxBytes", limits.resultMaxBytes());
    json.put("limits", applied);
    json.put("truncated", outcome.truncated(outputTruncated));
    return Json.write(json);
  }
}
