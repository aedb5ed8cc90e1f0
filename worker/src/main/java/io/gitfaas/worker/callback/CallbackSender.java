package io.gitfaas.worker.callback;

import io.gitfaas.callback.Callback;
import io.gitfaas.callback.CallbackSigner;
import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.git.RejectedUrlException;
import io.gitfaas.json.Json;
import io.gitfaas.nats.NatsTopology;
import io.gitfaas.nats.PullLoop;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the callbacks of ended tasks, on threads of its own (a slow or failing receiver never holds
 * a task slot): each signed for its task's owner, tried {@link NatsTopology#CALLBACK_MAX_DELIVER}
 * times, the later tries after {@link #RETRY_AFTER}. A 2xx answer is a delivery; a URL the policy
 * refuses now is given up at once.
 */
public final class CallbackSender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CallbackSender.class);

  /** The pauses before the second and third tries: all three within a minute. */
  public static final List<Duration> RETRY_AFTER =
      List.of(Duration.ofSeconds(15), Duration.ofSeconds(30));

  static final int SENDERS = 2;

  /** A pull in progress, then one callback's tries of connecting and reading. */
  private static final Duration STOP_WAIT =
      Duration.ofSeconds(2).plus(CallbackClient.CONNECT_TIMEOUT).plus(CallbackClient.READ_TIMEOUT);

  private final CallbackClient client;
  private final CallbackSigner signer;
  private final List<Duration> retryAfter;
  private final Clock clock;
  private final List<PullLoop> loops = new ArrayList<>();

  public CallbackSender(
      Connection connection,
      GitUrlPolicy policy,
      CallbackSigner signer,
      List<Duration> retryAfter,
      Clock clock,
      Consumer<Error> onFatal) {
    this.client = new CallbackClient(policy);
    this.signer = signer;
    this.retryAfter = List.copyOf(retryAfter);
    this.clock = clock;
    for (int i = 0; i < SENDERS; i++) {
      loops.add(
          new PullLoop(
              connection,
              NatsTopology.CALLBACK_STREAM,
              NatsTopology.CALLBACK_CONSUMER,
              "callback-sender-" + i,
              this::send,
              onFatal));
    }
  }

  public CallbackSender start() {
    loops.forEach(PullLoop::start);
    return this;
  }

  private void send(Message msg) {
    Callback callback;
    try {
      callback = Json.read(msg.getData(), Callback.class);
    } catch (RuntimeException e) {
      LOG.warn("dropping a callback message that is not a callback: {}", e.toString());
      msg.term();
      return;
    }
    long delivery = msg.metaData().deliveredCount();
    byte[] body = Json.write(callback.record());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(
        CallbackSigner.HEADER,
        signer.sign(callback.owner(), clock.instant().getEpochSecond(), body));
    headers.put("X-Gitfaas-Task-Id", callback.record().taskId().toString());
    headers.put("X-Gitfaas-Delivery", Long.toString(delivery));
    String failure;
    try {
      int status = client.post(callback.url(), headers, body);
      if (status >= 200 && status < 300) {
        msg.ack();
        LOG.info("task {}: callback delivered ({})", callback.record().taskId(), status);
        return;
      }
      failure = "the receiver answered " + status;
    } catch (RejectedUrlException e) {
      LOG.warn("task {}: callback refused: {}", callback.record().taskId(), e.getMessage());
      msg.term();
      return;
    } catch (IOException e) {
      failure = e.toString();
    }
    if (delivery > retryAfter.size()) {
      LOG.warn(
          "task {}: callback not delivered after {} tries: {}",
          callback.record().taskId(),
          delivery,
          failure);
      msg.term();
    } else {
      Duration pause = retryAfter.get((int) delivery - 1);
      LOG.info(
          "task {}: callback try {} failed ({}); again in {} s",
          callback.record().taskId(),
          delivery,
          failure,
          pause.toSeconds());
      msg.nakWithDelay(pause);
    }
  }

  /**
   * Takes no further callback; waits for the ones being sent. A loop waiting to try NATS again is
   * woken to end (a callback it had not acknowledged is sent again by another worker).
   */
  @Override
  public void close() {
    loops.forEach(PullLoop::stop);
    loops.forEach(loop -> loop.thread().interrupt());
    for (PullLoop loop : loops) {
      try {
        loop.thread().join(STOP_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
