package ferry.client;

import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.SplittableRandom;

/**
 * One load-mode connection slot: a strict request/reply loop that survives broken sessions by
 * reconnecting. Every method runs on the slot's lane context, so its state needs no locking.
 */
final class LoadConnection {

  /** Delay before retrying after a failed connect, or a session that broke without any reply. */
  static final long RETRY_DELAY_MS = 100;

  private enum State { CONNECTING, RETRY_WAIT, OUTSTANDING, CLOSING, DONE }

  private final LoadRun run;
  private final LoadRun.Lane lane;
  private final Vertx vertx;
  private final int index;
  private final SplittableRandom random;
  /** The payload in flight; reused for every request because the outbound Buffer is a copy. */
  private final byte[] expected;

  private State state = State.CONNECTING;
  private NetSocket socket;
  private long timerId = -1;
  private int received;
  private long sentAtNanos;
  private long repliesThisSession;

  LoadConnection(LoadRun run, LoadRun.Lane lane, Vertx vertx, int index, int size, long seed) {
    this.run = run;
    this.lane = lane;
    this.vertx = vertx;
    this.index = index;
    this.random = new SplittableRandom(seed);
    this.expected = new byte[size];
  }

  LoadRun.Lane lane() {
    return lane;
  }

  void start() {
    connect();
  }

  private void connect() {
    state = State.CONNECTING;
    timerId = -1;
    Connector.connect(run.netClient(), run.targets(), index).onComplete(this::onConnect);
  }

  private void onConnect(AsyncResult<NetSocket> ar) {
    if (state == State.DONE) {
      // Aborted while connecting: the run no longer wants this socket.
      if (ar.succeeded()) {
        ar.result().close();
      }
      return;
    }
    if (ar.failed()) {
      run.stats().failedConnects.increment();
      retryLater();
      return;
    }
    NetSocket so = ar.result();
    socket = so;
    repliesThisSession = 0;
    so.handler(this::onData);
    // Errors are always followed by a close; the close decides what the failure means.
    so.exceptionHandler(e -> so.close());
    so.closeHandler(v -> onClosed(so));
    sendNext();
  }

  private void retryLater() {
    if (!run.running()) {
      done();
      return;
    }
    state = State.RETRY_WAIT;
    timerId = vertx.setTimer(RETRY_DELAY_MS, t -> {
      if (state == State.RETRY_WAIT) {
        connect();
      }
    });
  }

  private void sendNext() {
    if (!run.tryAcquireRequest()) {
      state = State.CLOSING;
      socket.close();
      return;
    }
    fillRandom();
    received = 0;
    state = State.OUTSTANDING;
    sentAtNanos = System.nanoTime();
    socket.write(Buffer.buffer(expected));
  }

  private void fillRandom() {
    byte[] p = expected;
    int i = 0;
    for (; i + 8 <= p.length; i += 8) {
      long r = random.nextLong();
      p[i] = (byte) r;
      p[i + 1] = (byte) (r >>> 8);
      p[i + 2] = (byte) (r >>> 16);
      p[i + 3] = (byte) (r >>> 24);
      p[i + 4] = (byte) (r >>> 32);
      p[i + 5] = (byte) (r >>> 40);
      p[i + 6] = (byte) (r >>> 48);
      p[i + 7] = (byte) (r >>> 56);
    }
    if (i < p.length) {
      long r = random.nextLong();
      for (; i < p.length; i++, r >>>= 8) {
        p[i] = (byte) r;
      }
    }
  }

  private void onData(Buffer buf) {
    int len = buf.length();
    int matched = 0;
    long mismatches = 0;
    if (state == State.OUTSTANDING) {
      matched = Math.min(len, expected.length - received);
      byte[] exp = expected;
      int base = received;
      for (int i = 0; i < matched; i++) {
        if (buf.getByte(i) != exp[base + i]) {
          mismatches++;
        }
      }
      received += matched;
    }
    // Anything past the expected reply is bytes the server should never have sent.
    mismatches += len - matched;
    if (mismatches > 0) {
      run.stats().mismatchedBytes.add(mismatches);
    }
    if (state == State.OUTSTANDING && received == expected.length) {
      long micros = (System.nanoTime() - sentAtNanos) / 1000;
      lane.recorder.recordValue(micros);
      run.stats().requests.increment();
      repliesThisSession++;
      sendNext();
    }
  }

  private void onClosed(NetSocket so) {
    if (so != socket) {
      return; // a socket we already gave up on
    }
    socket = null;
    switch (state) {
      case OUTSTANDING -> {
        run.stats().brokenSessions.increment();
        run.releaseRequest();
        if (!run.running()) {
          done();
        } else if (repliesThisSession == 0) {
          // A server that accepts and hangs up at once would otherwise spin us in a tight loop.
          retryLater();
        } else {
          connect();
        }
      }
      case CLOSING -> done();
      default -> {
        // CONNECTING / RETRY_WAIT / DONE cannot own a live socket.
      }
    }
  }

  /** Hard stop at the end of the grace period: an unanswered request is a broken session. */
  void abort() {
    if (state == State.DONE) {
      return;
    }
    if (state == State.OUTSTANDING) {
      run.stats().brokenSessions.increment();
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    NetSocket so = socket;
    socket = null;
    done();
    if (so != null) {
      so.close();
    }
  }

  private void done() {
    if (state != State.DONE) {
      state = State.DONE;
      run.connectionDone();
    }
  }
}
