package io.gitfaas.e2e;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class's stack: the whole service as `make run` starts it, with one worker. */
abstract class OneWorkerStack {
  static LocalStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = new LocalStack(Map.of());
    stack.startWorker();
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }
}
