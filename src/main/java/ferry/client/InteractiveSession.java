package ferry.client;

import ferry.client.ClientOptions.Codec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;

/**
 * nc -N like session: stdin goes to the socket, the reply goes to {@code out} byte for byte,
 * stdin EOF half-closes the socket and the session ends when the server closes its side.
 *
 * <p>With the {@code lines} codec stdin is sent as is, except that a last line without {@code \n}
 * gets one at EOF, so the server sees only whole frames. With {@code length} each stdin line (its
 * {@code \n} removed) is sent as one length-prefixed frame, and each reply frame is printed as its
 * payload and {@code \n}.
 */
final class InteractiveSession {

  private static final int CHUNK = 64 * 1024;
  /** Length codec: the longest stdin line sent as one frame (the largest {@code --size} as well). */
  static final int MAX_LINE_BYTES = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final ClientOptions opts;
  private final PrintStream out;
  private final PrintStream err;
  private final InputStream in;

  /** Completes with the exit code once the server side is closed. */
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  // Only touched on the socket's context.
  private NetSocket socket;
  private Context context;
  private Future<Void> lastWrite;
  private CompletableFuture<Void> waitingForDrain;
  private boolean closed;
  private volatile boolean failed;
  /** Length codec: cuts the reply stream into frames; null otherwise. */
  private final LengthFramePrinter replyFrames;

  InteractiveSession(Vertx vertx, ClientOptions opts, PrintStream out, PrintStream err, InputStream in) {
    this.vertx = vertx;
    this.opts = opts;
    this.out = out;
    this.err = err;
    this.in = in;
    this.replyFrames = opts.codec() == Codec.LENGTH ? new LengthFramePrinter() : null;
  }

  /** Blocks until the session is over; returns the exit code. */
  int run(NetClient client) {
    // Connect from a context so every socket callback runs on one known event loop.
    vertx.runOnContext(v -> Connector.connect(client, opts.targets(), 0).onComplete(ar -> {
      if (ar.failed()) {
        err.println("ferry client: cannot connect to " + Connector.describe(opts.targets()) + ": "
            + Connector.reason(ar.cause()));
        exit.complete(1);
      } else {
        attach(ar.result());
      }
    }));
    return exit.join();
  }

  private void attach(NetSocket so) {
    socket = so;
    context = Vertx.currentContext();
    Channel channel = ((NetSocketInternal) so).channelHandlerContext().channel();
    // The server's FIN then arrives as an input-shutdown event instead of an implicit close of the
    // whole channel, so our half-closed write side and the end of the reply stay independent.
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);

    so.handler(this::onReply);
    ((NetSocketInternal) so).eventHandler(this::onEvent);
    so.exceptionHandler(e -> {
      if (!closed) {
        failed = true;
        err.println("ferry client: " + Connector.reason(e));
        so.close();
      }
    });
    so.closeHandler(v -> onClosed());

    Thread pump = new Thread(this::pumpStdin, "ferry-client-stdin");
    // A blocked stdin read must not keep the JVM alive after the server hung up.
    pump.setDaemon(true);
    pump.start();
  }

  private void onReply(Buffer buf) {
    if (replyFrames == null) {
      out.write(buf.getBytes(), 0, buf.length());
    } else if (!replyFrames.print(buf, out)) {
      if (!failed) {
        failed = true;
        err.println("ferry client: the reply has a negative frame length; closing");
      }
      out.flush();
      socket.close();
      return;
    }
    out.flush();
  }

  private void onEvent(Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      // Server finished its side: the reply is complete, so the session is too.
      socket.close();
    } else if (!(event instanceof ChannelInputShutdownReadComplete)) {
      ReferenceCountUtil.release(event);
    }
  }

  private void onClosed() {
    if (!closed && !failed && replyFrames != null && replyFrames.insideFrame()) {
      failed = true;
      err.println("ferry client: the reply ended inside a frame");
    }
    closed = true;
    out.flush();
    releaseReader();
    exit.complete(failed ? 1 : 0);
  }

  private void releaseReader() {
    CompletableFuture<Void> waiting = waitingForDrain;
    waitingForDrain = null;
    if (waiting != null) {
      waiting.complete(null);
    }
  }

  /** Runs on a plain thread: stdin reads block and must not stall an event loop. */
  private void pumpStdin() {
    Codec codec = opts.codec();
    LineFramer framer = codec == Codec.LENGTH ? new LineFramer(MAX_LINE_BYTES) : null;
    byte[] chunk = new byte[CHUNK];
    // Lines codec: the last byte sent, so a last line without its \n can be completed at EOF.
    int last = '\n';
    try {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        if (exit.isDone()) {
          return;
        }
        if (n == 0) {
          continue;
        }
        Buffer buf;
        if (framer != null) {
          buf = framer.feed(chunk, n);
        } else {
          buf = Buffer.buffer(n).appendBytes(chunk, 0, n);
          last = chunk[n - 1];
        }
        if (buf.length() > 0) {
          send(buf);
        }
      }
      Buffer tail = framer != null ? framer.finish()
          : codec == Codec.LINES && last != '\n' ? Buffer.buffer(new byte[] {'\n'}) : null;
      if (tail != null && tail.length() > 0) {
        send(tail);
      }
      context.runOnContext(v -> halfClose());
    } catch (IOException e) {
      context.runOnContext(v -> {
        failed = true;
        err.println("ferry client: reading stdin failed: " + Connector.reason(e));
        halfClose();
      });
    } catch (LineFramer.LineTooLongException e) {
      context.runOnContext(v -> {
        failed = true;
        err.println("ferry client: " + e.getMessage());
        halfClose();
      });
    }
  }

  /** Hands {@code buf} to the socket and blocks until the socket can take more. */
  private void send(Buffer buf) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    context.runOnContext(v -> write(buf, ready));
    // Blocking here is the backpressure: no more stdin is read until the socket drained.
    ready.join();
  }

  private void write(Buffer buf, CompletableFuture<Void> ready) {
    if (closed) {
      ready.complete(null);
      return;
    }
    lastWrite = socket.write(buf);
    if (socket.writeQueueFull()) {
      waitingForDrain = ready;
      socket.drainHandler(v -> {
        socket.drainHandler(null);
        releaseReader();
      });
    } else {
      ready.complete(null);
    }
  }

  private void halfClose() {
    if (closed) {
      return;
    }
    Future<Void> pending = lastWrite == null ? Future.succeededFuture() : lastWrite;
    // Shutting down before the last write hit the wire would truncate the request.
    pending.onComplete(ar -> {
      if (closed) {
        return;
      }
      Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
      if (channel instanceof DuplexChannel) {
        ((DuplexChannel) channel).shutdownOutput().addListener(f -> {
          if (!f.isSuccess()) {
            context.runOnContext(v -> {
              failed = true;
              err.println("ferry client: half-close failed: " + Connector.reason(f.cause()));
              socket.close();
            });
          }
        });
      } else {
        // Unknown transport: keep the socket open and let the server decide when to close.
        err.println("ferry client: transport cannot half-close; waiting for the server to close");
      }
    });
  }

  /**
   * Length codec, stdin side: turns lines into frames (a 4-byte big-endian length, then the line
   * without its {@code \n}). Used by the stdin thread only.
   */
  static final class LineFramer {

    static final class LineTooLongException extends RuntimeException {
      LineTooLongException(String message) {
        super(message);
      }
    }

    private final int maxLineBytes;
    /** The start of a line whose {@code \n} has not been read yet. */
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    LineFramer(int maxLineBytes) {
      this.maxLineBytes = maxLineBytes;
    }

    /** The frames of every line that {@code chunk[0..n)} completes; empty when none. */
    Buffer feed(byte[] chunk, int n) {
      Buffer frames = Buffer.buffer();
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (chunk[i] == '\n') {
          int lineLength = partial.size() + (i - start);
          checkLength(lineLength);
          frames.appendInt(lineLength);
          if (partial.size() > 0) {
            frames.appendBytes(partial.toByteArray());
            partial.reset();
          }
          frames.appendBytes(chunk, start, i - start);
          start = i + 1;
        }
      }
      if (start < n) {
        checkLength(partial.size() + (n - start));
        partial.write(chunk, start, n - start);
      }
      return frames;
    }

    /** At EOF: the frame of a last line that had no {@code \n}; empty when the input ended with one. */
    Buffer finish() {
      if (partial.size() == 0) {
        return Buffer.buffer();
      }
      byte[] line = partial.toByteArray();
      partial.reset();
      return Buffer.buffer(4 + line.length).appendInt(line.length).appendBytes(line);
    }

    private void checkLength(long lineLength) {
      if (lineLength > maxLineBytes) {
        throw new LineTooLongException("a stdin line is longer than " + maxLineBytes
            + " bytes, too long for one length frame; stopping input");
      }
    }
  }

  /**
   * Length codec, reply side: prints each frame's payload followed by {@code \n}, streaming (a large
   * payload is never held whole). Used on the socket's context only.
   */
  static final class LengthFramePrinter {
    private int prefixBytes;
    private int prefix;
    /** Payload bytes still to print of the current frame; meaningful once the prefix is complete. */
    private int remaining;
    /** A negative length was seen: the stream cannot be framed any more. */
    private boolean broken;

    /** Prints what {@code buf} completes; false once a frame had a negative length (then nothing more is printed). */
    boolean print(Buffer buf, PrintStream out) {
      if (broken) {
        return false;
      }
      int len = buf.length();
      int i = 0;
      while (i < len) {
        if (prefixBytes < 4) {
          prefix = (prefix << 8) | (buf.getByte(i++) & 0xFF);
          if (++prefixBytes < 4) {
            continue;
          }
          if (prefix < 0) {
            broken = true;
            return false;
          }
          remaining = prefix;
        } else {
          int n = Math.min(remaining, len - i);
          out.write(buf.getBytes(i, i + n), 0, n);
          i += n;
          remaining -= n;
        }
        if (remaining == 0) {
          out.write('\n');
          prefixBytes = 0;
          prefix = 0;
        }
      }
      return true;
    }

    /** Whether the reply so far stopped in the middle of a frame. */
    boolean insideFrame() {
      return prefixBytes > 0;
    }
  }
}
