package ferry.client;

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

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;

/**
 * nc -N like session: stdin goes to the socket, the reply goes to {@code out} byte for byte,
 * stdin EOF half-closes the socket and the session ends when the server closes its side.
 */
final class InteractiveSession {

  private static final int CHUNK = 64 * 1024;

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

  InteractiveSession(Vertx vertx, ClientOptions opts, PrintStream out, PrintStream err, InputStream in) {
    this.vertx = vertx;
    this.opts = opts;
    this.out = out;
    this.err = err;
    this.in = in;
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
    out.write(buf.getBytes(), 0, buf.length());
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
    byte[] chunk = new byte[CHUNK];
    try {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        if (exit.isDone()) {
          return;
        }
        if (n == 0) {
          continue;
        }
        Buffer buf = Buffer.buffer(n).appendBytes(chunk, 0, n);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        context.runOnContext(v -> write(buf, ready));
        // Blocking here is the backpressure: no more stdin is read until the socket drained.
        ready.join();
      }
      context.runOnContext(v -> halfClose());
    } catch (IOException e) {
      context.runOnContext(v -> {
        failed = true;
        err.println("ferry client: reading stdin failed: " + Connector.reason(e));
        halfClose();
      });
    }
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
}
