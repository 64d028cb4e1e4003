package ferry.net;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/** Taking an accepted Vert.x socket's Netty channel over, for handlers that need what NetSocket lacks. */
public final class Channels {
  /**
   * Netty's default adaptive read buffer shrinks to 64 bytes under small messages; a read that fills the buffer
   * exactly is taken as "maybe more" and costs a second read() that returns EAGAIN (11% of reads in a 64-byte
   * ping-pong). A 1 KiB floor keeps one read per message; bulk transfers still grow it to 64 KiB.
   */
  static final AdaptiveRecvByteBufAllocator READ_BUFFERS = new AdaptiveRecvByteBufAllocator(1024, 2048, 65536);

  private Channels() {
  }

  /** The Netty channel under an accepted Vert.x socket. */
  public static Channel channelOf(NetSocket socket) {
    return ((NetSocketInternal) socket).channelHandlerContext().channel();
  }

  /**
   * Stops reading, allows half-closure (a client's FIN becomes an input-shutdown event, in order with its data,
   * instead of closing the socket), and puts {@code handlers} before Vert.x's own: bytes and events stop there
   * and never reach the NetSocket. Must run on the socket's event loop, as a connect handler does.
   */
  public static Channel takeOver(NetSocket socket, ChannelHandler... handlers) {
    ChannelHandlerContext vertx = ((NetSocketInternal) socket).channelHandlerContext();
    Channel ch = vertx.channel();
    ch.config().setAutoRead(false);
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    ch.config().setRecvByteBufAllocator(READ_BUFFERS);
    for (ChannelHandler h : handlers) {
      ch.pipeline().addBefore(vertx.name(), null, h);
    }
    return ch;
  }
}
