package ferry.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Byte-exact, zero-copy piping between two TCP channels, or from one channel back to itself (an echo).
 *
 * <p>Vert.x accepts the connection; the relay then takes the socket's Netty channel over. Why not
 * {@code NetSocket.pipeTo}: Vert.x's NetSocket has no half-close (a client's FIN would end the whole session),
 * and its input-shutdown event is not ordered with paused data. Netty delivers reads and the input-shutdown
 * event in order on the channel's pipeline, and a backend channel registered on the client's own event loop
 * (as in Netty's HexDumpProxy) needs no locks and no hand-off between threads.
 *
 * <p>All methods run on the client channel's event loop.
 */
public final class Relay {
  private static final Logger log = LoggerFactory.getLogger(Relay.class);
  /** How long a refused client may take to close its side before we close anyway (nginx: lingering_timeout). */
  static final long LINGER_MS = 1000;

  private final Channel client;
  private final Pipe fromClient;
  private volatile Channel backend; // volatile for pendingBytes() from other threads; set once
  private Pipe fromBackend;
  private int openDirections;
  private boolean closed;
  private String end;

  private Relay(NetSocket socket, boolean echo) {
    this.fromClient = new Pipe(this, null);
    this.client = Channels.takeOver(socket, fromClient);
    if (echo) {
      fromClient.connect(client);
    }
    this.openDirections = echo ? 1 : 2;
  }

  /**
   * Takes over an accepted Vert.x socket: reading stops until {@link #connect} gives it a destination. The session
   * is closed when no byte went either way for {@code idleTimeoutMs} (0: never). One timer on the client side
   * covers both directions: whatever the server sends, the client gets.
   */
  public static Relay adopt(NetSocket socket, long idleTimeoutMs) {
    Relay r = new Relay(socket, false);
    if (idleTimeoutMs > 0) {
      r.client.pipeline().addFirst(new IdleStateHandler(0, 0, idleTimeoutMs, TimeUnit.MILLISECONDS));
    }
    return r;
  }

  /** Echoes every byte of an accepted Vert.x socket back to it; a FIN is answered by a FIN once all is sent. */
  public static Relay echo(NetSocket socket) {
    Relay r = new Relay(socket, true);
    r.client.config().setAutoRead(true);
    return r;
  }

  public Channel client() {
    return client;
  }

  public boolean isOpen() {
    return !closed && client.isActive();
  }

  /**
   * Opens a backend connection on the client's event loop, with the relay's pipe installed before the first
   * read, so a server that speaks first (a greeting, a banner) loses nothing.
   */
  public ChannelFuture open(InetSocketAddress target, int connectTimeoutMs) {
    fromBackend = new Pipe(this, client);
    return new Bootstrap()
        .group(client.eventLoop())
        .channel(client.getClass())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOCATOR, client.alloc())
        .option(ChannelOption.RCVBUF_ALLOCATOR, Channels.READ_BUFFERS)
        .handler(fromBackend)
        .connect(target);
  }

  /** Starts relaying both ways over a backend channel opened by {@link #open}. */
  public void connect(Channel backend) {
    if (!isOpen()) {
      backend.close();
      return;
    }
    this.backend = backend;
    fromClient.connect(backend);
    client.config().setAutoRead(true);
    backend.config().setAutoRead(true);
  }

  /**
   * Bytes this relay holds now: written to either channel and not yet taken by its socket. Backpressure bounds it
   * to about one write-buffer high-water mark per direction plus one read. Any thread may ask (a racy sum of two
   * volatile counters, for gauges).
   */
  public long pendingBytes() {
    return pending(client) + (backend == null ? 0 : pending(backend));
  }

  private static long pending(Channel ch) {
    io.netty.channel.ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  /** Bytes read from the client so far. */
  public long bytesIn() {
    return fromClient.bytes;
  }

  /** Bytes read from the backend so far. */
  public long bytesOut() {
    return fromBackend == null ? 0 : fromBackend.bytes;
  }

  /**
   * Why the session ended, as the access log says it: {@code client-closed} or {@code server-closed} (whichever
   * side ended first), {@code timeout} (idle), or null when this balancer closed it (a failed connect, a drain).
   */
  public String end() {
    return end;
  }

  void sawEnd(Channel ch) {
    if (end == null) {
      end = ch == client ? "client-closed" : "server-closed";
    }
  }

  /** Idle past the timeout; a session still waiting for its server (queued, connecting) ends as a refused one. */
  void idle() {
    if (end == null) {
      end = "timeout";
    }
    refuse();
  }

  /** Half-close: once everything already written to {@code out} is sent, send a FIN. */
  void shutOutput(Channel out) {
    out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess() || !(out instanceof DuplexChannel d)) {
        close();
        return;
      }
      d.shutdownOutput().addListener(done -> {
        if (!done.isSuccess() || --openDirections == 0) {
          close(); // both directions have ended: the session is over
        }
      });
    });
  }

  void failed(Channel ch, Throwable cause) {
    log.debug("{} {}: {}", ch == client ? "client" : "server", ch.remoteAddress(), cause.toString());
    close();
  }

  /**
   * Ends the session: what was already written is flushed, then both channels close. The flush may take at most
   * {@value #LINGER_MS} ms: a peer that does not read (a server blocked writing to a client that went away, a
   * client that stopped reading) must not keep a connection, and its server's slot, open.
   */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeAfterFlush(client);
    if (backend != null) {
      closeAfterFlush(backend);
    }
  }

  /**
   * Ends a session that never reached a server (rejected, timed out in a queue, no server, every connect failed)
   * without a reset. Closing a socket with unread bytes makes the kernel answer with an RST, so a client that had
   * already sent its request would see "connection reset" rather than a clean end. Instead: a FIN at once, the
   * client's bytes read and dropped, and the socket closed when the client's FIN comes or after {@value #LINGER_MS}
   * ms, whichever is first (a lingering close, as nginx and Apache do).
   */
  public void refuse() {
    if (closed) {
      return;
    }
    if (backend != null || !(client instanceof DuplexChannel d) || !client.isActive()) {
      close();
      return;
    }
    closed = true;
    fromClient.discard();
    d.shutdownOutput().addListener(f -> {
      if (!f.isSuccess()) {
        client.close();
      }
    });
    client.config().setAutoRead(true);
    closeWithin(client, LINGER_MS);
  }

  private static void closeAfterFlush(Channel ch) {
    if (!ch.isActive()) {
      ch.close();
      return;
    }
    ChannelFuture flushed = ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    if (!flushed.isDone()) {
      closeWithin(ch, LINGER_MS);
    }
  }

  /** Closes {@code ch} after {@code ms} unless it closes first (the timer goes with it, not kept for nothing). */
  private static void closeWithin(Channel ch, long ms) {
    ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> ch.close(), ms, TimeUnit.MILLISECONDS);
    ch.closeFuture().addListener(f -> timer.cancel(false));
  }
}
