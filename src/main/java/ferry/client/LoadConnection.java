package ferry.client;

import ferry.client.ClientOptions.Codec;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.SplittableRandom;

/**
 * One load-mode connection slot: a strict request/reply loop that survives broken sessions by
 * reconnecting. Every method runs on the slot's lane context, so its state needs no locking.
 *
 * <p>Raw mode sends {@code size} random bytes and waits for exactly that many back. With a codec each
 * request is one frame ({@code lines}: {@code size} printable bytes and {@code \n}; {@code length}: a
 * 4-byte big-endian {@code size} and {@code size} random bytes) and the reply is read as one frame of
 * the same codec, which must equal the request byte for byte (the echo service). Reading the reply by
 * its framing, not by its expected length, lets a short or long reply (an error line, say) end the
 * request as failed instead of stalling the loop.
 */
final class LoadConnection {

  /** Delay before retrying after a failed connect, or a session that broke without any reply. */
  static final long RETRY_DELAY_MS = 100;

  /** Length codec: bytes of the big-endian length prefix. */
  static final int LENGTH_PREFIX = 4;

  /** {@code consume*}: the reply is not complete yet, every byte of the buffer was taken. */
  private static final int MORE = -1;
  /** {@code consume*}: the reply cannot be framed (a negative length); the session is unusable. */
  private static final int UNFRAMEABLE = -2;

  /**
   * {@code DESYNCED}: a reply could not be framed, so nothing after it can be matched to a request;
   * the socket is being closed and the close counts as a broken session.
   */
  private enum State { CONNECTING, RETRY_WAIT, OUTSTANDING, DESYNCED, CLOSING, DONE }

  private final LoadRun run;
  private final LoadRun.Lane lane;
  private final Vertx vertx;
  private final int index;
  private final Codec codec;
  private final SplittableRandom random;
  /**
   * The request frame in flight, which is also the expected reply; reused for every request because
   * the outbound Buffer is a copy. Raw: the payload; lines: payload + {@code \n}; length: prefix + payload.
   */
  private final byte[] expected;

  private State state = State.CONNECTING;
  private NetSocket socket;
  private long timerId = -1;
  private long sentAtNanos;
  private long repliesThisSession;

  // The reply to the request in flight, reset by sendNext().
  /** Bytes of the reply seen so far; a long because a runaway reply line may exceed 2 GiB. */
  private long received;
  /** Length codec: the reply's prefix as read so far, then its value. */
  private int lengthPrefix;
  /** Length codec: the whole reply frame's length (prefix included) once the prefix is read; -1 before. */
  private long replyFrameLength;
  /** Some byte of this reply differed, was missing or was extra. */
  private boolean replyBad;
  /** Mismatched bytes found by the current onData call, flushed to the shared counter once. */
  private long mismatches;

  LoadConnection(LoadRun run, LoadRun.Lane lane, Vertx vertx, int index, int size, Codec codec, long seed) {
    this.run = run;
    this.lane = lane;
    this.vertx = vertx;
    this.index = index;
    this.codec = codec;
    this.random = new SplittableRandom(seed);
    if (codec == null) {
      this.expected = new byte[size];
    } else {
      switch (codec) {
        case LINES -> {
          this.expected = new byte[size + 1];
          expected[size] = '\n';
        }
        case LENGTH -> {
          this.expected = new byte[LENGTH_PREFIX + size];
          expected[0] = (byte) (size >>> 24);
          expected[1] = (byte) (size >>> 16);
          expected[2] = (byte) (size >>> 8);
          expected[3] = (byte) size;
        }
        default -> throw new IllegalArgumentException("codec " + codec);
      }
    }
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
    fillRequest();
    received = 0;
    lengthPrefix = 0;
    replyFrameLength = -1;
    replyBad = false;
    state = State.OUTSTANDING;
    sentAtNanos = System.nanoTime();
    socket.write(Buffer.buffer(expected));
  }

  private void fillRequest() {
    if (codec == null) {
      fillRandom(0, expected.length);
    } else if (codec == Codec.LINES) {
      fillPrintable(0, expected.length - 1);
    } else {
      fillRandom(LENGTH_PREFIX, expected.length);
    }
  }

  private void fillRandom(int from, int to) {
    byte[] p = expected;
    int i = from;
    for (; i + 8 <= to; i += 8) {
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
    if (i < to) {
      long r = random.nextLong();
      for (; i < to; i++, r >>>= 8) {
        p[i] = (byte) r;
      }
    }
  }

  /** Printable ASCII 0x21..0x7e (never {@code \n} or {@code \r}): four bytes from each random long. */
  private void fillPrintable(int from, int to) {
    byte[] p = expected;
    int i = from;
    while (i < to) {
      long r = random.nextLong();
      for (int k = 0; k < 4 && i < to; k++, i++, r >>>= 16) {
        // 16 random bits scaled onto the 94 printable characters.
        p[i] = (byte) (0x21 + (((r & 0xFFFF) * 94) >>> 16));
      }
    }
  }

  private void onData(Buffer buf) {
    int len = buf.length();
    if (state != State.OUTSTANDING) {
      // No request is waiting: these are bytes the server should never have sent.
      if (len > 0) {
        run.stats().mismatchedBytes.add(len);
      }
      return;
    }
    mismatches = 0;
    int end;
    if (codec == null) {
      end = consumeRaw(buf, len);
    } else if (codec == Codec.LINES) {
      end = consumeLine(buf, len);
    } else {
      end = consumeLengthFrame(buf, len);
    }
    if (end >= 0) {
      // Past the end of the reply, in the same read: with one request in flight the server cannot be
      // answering the next one yet, so these bytes are an overlong reply to this one.
      mismatch(len - end);
    }
    if (mismatches > 0) {
      run.stats().mismatchedBytes.add(mismatches);
    }
    if (end == UNFRAMEABLE) {
      // The stream has no trustworthy frame boundary left; the close counts the request as lost.
      state = State.DESYNCED;
      socket.close();
    } else if (end >= 0) {
      long micros = (System.nanoTime() - sentAtNanos) / 1000;
      lane.recorder.recordValue(micros);
      run.stats().requests.increment();
      if (replyBad) {
        run.stats().failedRequests.increment();
      }
      repliesThisSession++;
      sendNext();
    }
  }

  private void mismatch(long n) {
    if (n > 0) {
      mismatches += n;
      replyBad = true;
    }
  }

  /** Compares reply bytes {@code from..to} of {@code buf} with the request from position {@code received}. */
  private void compare(Buffer buf, int from, int to) {
    byte[] exp = expected;
    long pos = received;
    long bad = 0;
    int i = from;
    // Bytes beyond the expected frame never match.
    int inFrame = (int) Math.max(0, Math.min(to - from, exp.length - pos));
    for (int end = from + inFrame; i < end; i++, pos++) {
      if (buf.getByte(i) != exp[(int) pos]) {
        bad++;
      }
    }
    bad += to - i;
    received += to - from;
    mismatch(bad);
  }

  /** Raw: the reply is exactly as many bytes as the request. */
  private int consumeRaw(Buffer buf, int len) {
    int n = (int) Math.min(len, expected.length - received);
    compare(buf, 0, n);
    return received == expected.length ? n : MORE;
  }

  /** Lines: the reply ends at its first {@code \n}. */
  private int consumeLine(Buffer buf, int len) {
    int nl = -1;
    for (int i = 0; i < len; i++) {
      if (buf.getByte(i) == '\n') {
        nl = i;
        break;
      }
    }
    int end = nl < 0 ? len : nl + 1;
    compare(buf, 0, end);
    if (nl < 0) {
      return MORE;
    }
    mismatch(expected.length - received); // a short line: the missing bytes
    return end;
  }

  /** Length: a 4-byte big-endian length N, then N payload bytes. */
  private int consumeLengthFrame(Buffer buf, int len) {
    int i = 0;
    if (replyFrameLength < 0) {
      int take = (int) Math.min(len, LENGTH_PREFIX - received);
      for (int k = 0; k < take; k++) {
        lengthPrefix = (lengthPrefix << 8) | (buf.getByte(k) & 0xFF);
      }
      compare(buf, 0, take);
      i = take;
      if (received < LENGTH_PREFIX) {
        return MORE;
      }
      if (lengthPrefix < 0) {
        mismatch(len - i); // whatever follows belongs to no frame we can find
        return UNFRAMEABLE;
      }
      replyFrameLength = LENGTH_PREFIX + (long) lengthPrefix;
    }
    int n = (int) Math.min(len - i, replyFrameLength - received);
    compare(buf, i, i + n);
    i += n;
    if (received < replyFrameLength) {
      return MORE;
    }
    mismatch(expected.length - received); // a short frame: the missing bytes
    return i;
  }

  private void onClosed(NetSocket so) {
    if (so != socket) {
      return; // a socket we already gave up on
    }
    socket = null;
    switch (state) {
      case OUTSTANDING, DESYNCED -> {
        run.stats().brokenSessions.increment();
        run.stats().failedRequests.increment();
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
    if (state == State.OUTSTANDING || state == State.DESYNCED) {
      run.stats().brokenSessions.increment();
      run.stats().failedRequests.increment();
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
