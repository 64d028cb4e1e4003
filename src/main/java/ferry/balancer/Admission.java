package ferry.balancer;

import ferry.config.FrontendConfig;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A frontend's {@code maxconn}: connections past it wait in a bounded queue and are admitted, oldest first, as
 * admitted ones close; one that waits longer than {@code queueTimeoutMs} is timed out, one that finds the queue
 * full is rejected. Shared by the frontend's event loops: a short lock per connection opened or closed, never
 * per byte.
 */
final class Admission {
  /** A connection waiting for a slot; {@code admit} runs on its own event loop. */
  interface Waiter {
    io.netty.channel.EventLoop eventLoop();

    boolean isOpen();

    void admit();

    void timeout();
  }

  private final FrontendConfig.Limits limits;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private int admitted;
  private long rejected;
  private long timedOut;

  Admission(FrontendConfig.Limits limits) {
    this.limits = limits;
  }

  /** Admits at once, queues, or (returns false) rejects. */
  boolean offer(Waiter w) {
    synchronized (this) {
      if (limits.maxconn() == 0 || admitted < limits.maxconn()) {
        admitted++;
      } else if (queue.size() < limits.maxqueue()) {
        queue.add(w);
        w.eventLoop().schedule(() -> expire(w), limits.queueTimeoutMs(), TimeUnit.MILLISECONDS);
        return true;
      } else {
        rejected++;
        return false;
      }
    }
    w.admit();
    return true;
  }

  /** An admitted connection closed: its slot goes to the oldest waiter still open. */
  void release() {
    Waiter next = null;
    synchronized (this) {
      admitted--;
      while (!queue.isEmpty() && next == null) {
        Waiter w = queue.poll();
        if (w.isOpen()) {
          next = w;
          admitted++;
        }
      }
    }
    if (next != null) {
      Waiter w = next;
      w.eventLoop().execute(w::admit);
    }
  }

  /** A waiter closed before its turn: its place goes at once, not at its queue timeout. */
  synchronized void cancel(Waiter w) {
    queue.remove(w);
  }

  private void expire(Waiter w) {
    boolean expired;
    synchronized (this) {
      expired = queue.remove(w);
      if (expired) {
        timedOut++;
      }
    }
    if (expired) {
      w.timeout();
    }
  }

  synchronized int queued() {
    return queue.size();
  }

  synchronized long rejected() {
    return rejected;
  }

  synchronized long timedOut() {
    return timedOut;
  }
}
