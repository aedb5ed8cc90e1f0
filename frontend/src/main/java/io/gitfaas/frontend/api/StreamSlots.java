package io.gitfaas.frontend.api;

import io.javalin.http.Context;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * At most so many open event streams per user (MAX_STREAMS_PER_USER): the next one is refused with
 * 429 until one closes. A slot is reserved before the stream's handler runs, taken over by the
 * stream it opens and freed when that stream closes (a client that went away is noticed at the next
 * heartbeat); a request that opened no stream frees its slot when it ends.
 */
public final class StreamSlots {
  private static final String SLOT = "gitfaas.streamSlot";

  private final int perUser;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  public StreamSlots(int perUser) {
    this.perUser = perUser;
  }

  private final class Slot {
    final String user;
    final AtomicBoolean adopted = new AtomicBoolean();
    final AtomicBoolean released = new AtomicBoolean();

    Slot(String user) {
      this.user = user;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        open.computeIfPresent(user, (k, n) -> n <= 1 ? null : n - 1);
      }
    }
  }

  /** Before a stream route: reserves a slot for the signed-in user, or answers 429. */
  public void reserve(Context ctx) {
    String user = Identities.of(ctx).email();
    boolean[] reserved = {false};
    open.compute(
        user,
        (k, n) -> {
          int count = n == null ? 0 : n;
          if (count >= perUser) {
            return n;
          }
          reserved[0] = true;
          return count + 1;
        });
    if (!reserved[0]) {
      throw new ApiException(
          429,
          "at most "
              + perUser
              + " event streams per user may be open at once; close one (a console tab) and try"
              + " again");
    }
    ctx.attribute(SLOT, new Slot(user));
  }

  /** The stream the request opened takes its slot over; the slot is freed when it closes. */
  Runnable adopt(Context ctx) {
    Slot slot = ctx.attribute(SLOT);
    if (slot == null) {
      return () -> {};
    }
    slot.adopted.set(true);
    return slot::release;
  }

  /** After a stream route: frees the slot of a request that opened no stream. */
  public void releaseUnadopted(Context ctx) {
    Slot slot = ctx.attribute(SLOT);
    if (slot != null && !slot.adopted.get()) {
      slot.release();
    }
  }
}
