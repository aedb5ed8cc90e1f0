package io.gitfaas.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.MDC;

/** The services' logging configuration, as text and as JSON: dated, with the task's context. */
class LogFormatTest {
  /** What one line logged with {@code format} looks like on standard error. */
  static String logOneLine(String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(MDC.getMDCAdapter()); // as the services' own context has
    context.putProperty("LOG_FORMAT", format);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
    // The appender LOG_FORMAT chose, its encoder writing here instead of to standard error.
    var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    var chosen = (OutputStreamAppender<ILoggingEvent>) root.getAppender(format);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    OutputStreamAppender<ILoggingEvent> here = new OutputStreamAppender<>();
    here.setContext(context);
    here.setEncoder(chosen.getEncoder());
    here.setOutputStream(captured);
    here.start();
    root.detachAppender(format);
    root.addAppender(here);
    try {
      MDC.put("taskId", "2f1c0c3e-0000-4000-8000-000000000001");
      MDC.put("user", "a1b2");
      context.getLogger("io.gitfaas.worker.TaskProcessor").info("task started (attempt {})", 1);
    } finally {
      MDC.clear();
      context.stop();
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void textLinesHaveTheDateAndTheTasksContext() throws Exception {
    String line = logOneLine("text");
    assertThat(line)
        .matches("(?s)\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z INFO .*\\n")
        .contains("taskId=2f1c0c3e-0000-4000-8000-000000000001", "user=a1b2")
        .contains("task started (attempt 1)");
  }

  @Test
  void jsonIsOneObjectPerLineWithTheTasksContext() throws Exception {
    String out = logOneLine("json");
    assertThat(out.strip().lines()).hasSize(1);
    JsonNode line = Json.MAPPER.readTree(out);
    assertThat(line.get("level").asText()).isEqualTo("INFO");
    assertThat(line.get("timestamp").asLong()).isPositive();
    assertThat(line.get("mdc").get("taskId").asText())
        .isEqualTo("2f1c0c3e-0000-4000-8000-000000000001");
    assertThat(line.get("formattedMessage").asText()).isEqualTo("task started (attempt 1)");
  }
}
