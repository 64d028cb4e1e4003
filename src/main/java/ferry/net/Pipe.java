package ferry.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * One direction of a relay: every buffer read from the channel this handler sits on is written, unchanged and
 * uncopied, to {@code out}. Backpressure: when {@code out} stops being writable this channel stops reading, and
 * it reads again when {@code out} drains (Netty's write-buffer water marks bound what waits in memory).
 * A FIN on this channel becomes a FIN on {@code out}, after everything before it was written (half-close).
 */
final class Pipe extends ChannelInboundHandlerAdapter {
  private final Relay relay;
  private Channel out;
  private List<Object> early; // read before `out` existed; with auto-read off this is at most one read
  private boolean inputShutBeforeConnect;
  private boolean discarding;
  long bytes;

  Pipe(Relay relay, Channel out) {
    this.relay = relay;
    this.out = out;
  }

  /** Gives this pipe its destination and hands over whatever was read before it existed. */
  void connect(Channel out) {
    this.out = out;
    if (early != null) {
      early.forEach(msg -> out.write(msg, out.voidPromise()));
      early = null;
      out.flush();
    }
    if (inputShutBeforeConnect) {
      relay.shutOutput(out);
    }
  }

  /** The session was refused: drop what was read, and whatever comes, until the peer's FIN closes the channel. */
  void discard() {
    discarding = true;
    if (early != null) {
      early.forEach(ReferenceCountUtil::release);
      early = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discarding) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf b) {
      bytes += b.readableBytes();
    }
    if (out == null) {
      if (early == null) {
        early = new ArrayList<>(2);
      }
      early.add(msg);
      return;
    }
    out.write(msg, out.voidPromise());
    if (!out.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (out != null) {
      out.flush();
    }
  }

  /**
   * This channel's writability changed. The pipe that writes into it reads from {@code out} (the peer in a relay,
   * this very channel in an echo), so that is the reader to pause or resume.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (out != null) {
      out.config().setAutoRead(ctx.channel().isWritable());
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent && discarding) {
      ctx.channel().close(); // nothing unread is left: the close is a FIN, not a reset
    } else if (evt instanceof ChannelInputShutdownEvent) {
      relay.sawEnd(ctx.channel());
      if (out == null) {
        inputShutBeforeConnect = true;
      } else {
        relay.shutOutput(out);
      }
    } else if (evt instanceof IdleStateEvent) {
      relay.idle();
    } else if (!(evt instanceof ChannelInputShutdownReadComplete)) {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    relay.sawEnd(ctx.channel());
    relay.close();
    if (early != null) {
      early.forEach(ReferenceCountUtil::release);
      early = null;
    }
    ctx.fireChannelInactive(); // lets Vert.x tidy up its side of an accepted socket
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    relay.failed(ctx.channel(), cause);
  }
}
