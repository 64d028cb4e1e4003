package ferry.balancer.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.charset.StandardCharsets;

/**
 * How a client's byte stream is cut into frames and how replies are framed back. Cutting is Netty's own
 * decoders (a frame may span or share TCP segments in any way); framing a reply is the codec's one method.
 */
enum Codec {
  /** Frames end with {@code \n} ({@code \r\n} accepted, both stripped); a reply gets {@code \n} appended. */
  LINES {
    @Override
    ChannelHandler decoder(int maxFrameBytes) {
      return new LineBasedFrameDecoder(maxFrameBytes, true, true);
    }

    @Override
    ByteBuf frame(ByteBufAllocator alloc, Buffer reply) {
      ByteBuf out = alloc.buffer(reply.length() + 1);
      bytesOf(reply, out).writeByte('\n');
      return out;
    }

    @Override
    boolean canReportErrors() {
      return true;
    }
  },
  /** A 4-byte big-endian payload length, then the payload; a reply is framed the same way. */
  LENGTH {
    @Override
    ChannelHandler decoder(int maxFrameBytes) {
      // maxFrameLength counts the 4-byte length field too; a negative length fails as a corrupted frame.
      return new LengthFieldBasedFrameDecoder(maxFrameBytes + 4, 0, 4, 0, 4, true);
    }

    @Override
    ByteBuf frame(ByteBufAllocator alloc, Buffer reply) {
      ByteBuf out = alloc.buffer(reply.length() + 4);
      bytesOf(reply, out.writeInt(reply.length()));
      return out;
    }

    @Override
    boolean canReportErrors() {
      return false;
    }
  };

  static Codec named(String name) {
    return valueOf(name.toUpperCase(java.util.Locale.ROOT));
  }

  /** A new decoder for one connection (decoders keep state). */
  abstract ChannelHandler decoder(int maxFrameBytes);

  abstract ByteBuf frame(ByteBufAllocator alloc, Buffer reply);

  /**
   * Whether an error can be told to the client in band, as a frame of its own ({@code ERROR ...} line). A length
   * frame has no room for an error: such a connection is closed instead.
   */
  abstract boolean canReportErrors();

  /** Appends {@code reply}'s bytes to {@code out} straight from its buffer (no intermediate byte[]); returns out. */
  static ByteBuf bytesOf(Buffer reply, ByteBuf out) {
    ByteBuf src = ((BufferInternal) reply).getByteBuf();
    return out.writeBytes(src, src.readerIndex(), src.readableBytes());
  }

  Buffer errorReply(String text) {
    return Buffer.buffer(("ERROR " + text).getBytes(StandardCharsets.UTF_8));
  }
}
