package ferry.balancer.message;

import ferry.balancer.PoolMember;
import ferry.cluster.Announcement;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.AsyncResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One client connection of a message frontend. Each decoded frame becomes a request to one server node, chosen
 * per request (or once, when sticky); replies go back in request order. At most {@code maxInFlight} requests are
 * out at once, and reading stops while that many frames are held or the client does not read its replies.
 * A request whose server fails, times out or leaves is sent to another server, up to {@code retries} times.
 *
 * <p>Runs on the client channel's event loop, which is also its Vert.x context's: no locks.
 */
final class MessageSession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(MessageSession.class);

  /** One frame of the client's, from decoding until its reply is written. */
  private static final class Request {
    final Buffer frame;
    Buffer reply;
    PoolMember server;
    int attempt;
    Set<PoolMember> tried;

    Request(Buffer frame) {
      this.frame = frame;
    }
  }

  private final MessageRouter router;
  private final Channel channel;
  private final String client;
  private final InetAddress clientIp;
  private final DeliveryOptions delivery;
  private final int maxInFlight;
  private final ArrayDeque<Request> held = new ArrayDeque<>();   // every frame not yet answered, in order
  private final ArrayDeque<Request> waiting = new ArrayDeque<>(); // held frames not sent yet
  private int sent;          // held frames out to a server
  private PoolMember sticky;
  private boolean inputClosed;
  private boolean closed;
  private boolean warnedNoServer;

  MessageSession(MessageRouter router, Channel channel) {
    this.router = router;
    this.channel = channel;
    InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
    this.clientIp = remote.getAddress();
    this.client = remote.getAddress().getHostAddress() + ":" + remote.getPort();
    this.delivery = new DeliveryOptions().setSendTimeout(router.options().requestTimeoutMs())
        .addHeader(Announcement.Endpoint.CLIENT_HEADER, client);
    this.maxInFlight = router.options().maxInFlight();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    Buffer copy;
    try {
      copy = Buffer.buffer(ByteBufUtil.getBytes(frame)); // kept for retries; the decoder's slice is not
    } finally {
      frame.release();
    }
    // Dispatched on the Vert.x context, so event-bus replies come back to it (this same event loop).
    router.context().dispatch(copy, this::onFrame);
  }

  private void onFrame(Buffer frame) {
    if (closed) {
      return;
    }
    Request r = new Request(frame);
    held.add(r);
    router.held(1);
    if (sent < maxInFlight) {
      send(r);
    } else {
      waiting.add(r);
    }
    updateReading();
  }

  private void send(Request r) {
    List<PoolMember> servers = router.pools().messaging(router.config().pool());
    PoolMember server = null;
    if (sticky != null && servers.contains(sticky) && (r.tried == null || !r.tried.contains(sticky))) {
      server = sticky;
    } else if (!servers.isEmpty()) {
      server = router.algorithm().pick(servers, r.tried == null ? Set.of() : r.tried, clientIp);
    }
    if (server == null) {
      failed(r, servers.isEmpty() ? "no server in pool " + router.config().pool() : "every server tried failed");
      return;
    }
    if (r.attempt == 0) {
      sent++;
      router.frontend().countRequest();
    }
    if (router.options().sticky()) {
      sticky = server;
    }
    if (r.tried == null) {
      r.tried = new HashSet<>(4);
    }
    r.tried.add(server);
    r.server = server;
    int attempt = ++r.attempt;
    PoolMember to = server;
    to.acquire();
    router.bus().<Buffer>request(to.bus(), r.frame, delivery).onComplete(ar -> answered(r, attempt, to, ar));
  }

  private void answered(Request r, int attempt, PoolMember from, AsyncResult<Message<Buffer>> ar) {
    from.release();
    if (closed || r.reply != null || r.attempt != attempt) {
      return; // the session ended, or this attempt was superseded (at-least-once: a late reply is dropped)
    }
    if (ar.succeeded()) {
      done(r, ar.result().body());
    } else {
      retry(r, from + ": " + ar.cause().getMessage());
    }
  }

  /** The router tells every session on this event loop that {@code server} left the pool. */
  void departed(PoolMember server) {
    if (sticky != null && sticky.isSameServer(server)) {
      sticky = null;
    }
    for (Request r : List.copyOf(held)) {
      if (!closed && r.reply == null && r.server != null && r.server.isSameServer(server)) {
        retry(r, server + " left the cluster");
      }
    }
  }

  private void retry(Request r, String why) {
    if (sticky != null && r.server != null && sticky.isSameServer(r.server)) {
      sticky = null;
    }
    if (r.attempt <= router.config().retries()) {
      router.frontend().countRetry();
      log.debug("frontend {}: request from {} retried: {}", router.config().name(), client, why);
      send(r);
    } else {
      failed(r, why);
    }
  }

  private void failed(Request r, String why) {
    router.frontend().countFailedRequest();
    if (!warnedNoServer) {
      warnedNoServer = true; // one line per connection, not one per request
      log.warn("frontend {}: request from {} failed after {} attempt(s): {}", router.config().name(), client,
          r.attempt, why);
    }
    if (r.attempt == 0) {
      sent++; // it counts as out until answered, like any other
    }
    if (router.codec().canReportErrors()) {
      done(r, router.codec().errorReply(why));
    } else {
      close();
    }
  }

  private void done(Request r, Buffer reply) {
    r.reply = reply;
    sent--;
    boolean wrote = false;
    while (!held.isEmpty() && held.peek().reply != null) {
      channel.write(router.codec().frame(channel.alloc(), held.poll().reply), channel.voidPromise());
      router.held(-1);
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
    while (sent < maxInFlight && !waiting.isEmpty() && !closed) {
      send(waiting.poll());
    }
    updateReading();
    finishIfDone();
  }

  private void updateReading() {
    channel.config().setAutoRead(!closed && !inputClosed && held.size() < maxInFlight && channel.isWritable());
  }

  private void finishIfDone() {
    if (inputClosed && held.isEmpty() && !closed) {
      close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    updateReading();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The client sent its last frame (FIN): answer what is held, then close.
      router.context().dispatch(v -> {
        inputClosed = true;
        updateReading();
        finishIfDone();
      });
    } else if (!(evt instanceof ChannelInputShutdownReadComplete)) {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException && router.codec().canReportErrors()) {
      log.warn("frontend {}: frame from {} over maxFrameBytes ({}); answered with an error", router.config().name(),
          client, router.options().maxFrameBytes());
      router.context().dispatch(v -> {
        Request r = new Request(null);
        held.add(r);
        router.held(1);
        sent++;
        done(r, router.codec().errorReply("frame over maxFrameBytes (" + router.options().maxFrameBytes() + ")"));
      });
    } else if (cause instanceof TooLongFrameException || cause instanceof CorruptedFrameException) {
      log.warn("frontend {}: bad frame from {} ({}); closing the connection", router.config().name(), client,
          cause.getMessage());
      close();
    } else {
      log.debug("frontend {}: client {}: {}", router.config().name(), client, cause.toString());
      close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    router.held(-held.size());
    held.clear(); // late replies find the session closed and are dropped
    waiting.clear();
    router.ended(this);
    ctx.fireChannelInactive();
  }

  private void close() {
    if (!closed) {
      closed = true;
      channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
