package ferry.balancer.message;

import ferry.balancer.Frontend;
import ferry.balancer.Pools;
import ferry.balancer.algorithm.Algorithm;
import ferry.config.FrontendConfig;
import ferry.net.Channels;
import io.netty.channel.Channel;
import io.vertx.core.Context;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetSocket;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A message frontend on one event loop: accepts connections (each a {@link MessageSession}) and tells them when a
 * server leaves, so that their requests to it are sent elsewhere at once, not when they time out.
 */
public final class MessageRouter {
  private final Frontend frontend;
  private final ContextInternal context;
  private final EventBus bus;
  private final Codec codec;
  private final Set<MessageSession> sessions = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Runnable stopWatching;

  public MessageRouter(Frontend frontend, Context context) {
    this.frontend = frontend;
    this.context = (ContextInternal) context;
    this.bus = context.owner().eventBus();
    this.codec = Codec.named(frontend.config().message().codec());
    this.stopWatching = frontend.pools().onDeparture(server ->
        context.runOnContext(v -> Set.copyOf(sessions).forEach(s -> s.departed(server))));
  }

  /** Called by Vert.x on this router's event loop for each accepted connection. */
  public void accept(NetSocket socket) {
    frontend.accepted();
    MessageSession session = new MessageSession(this, Channels.channelOf(socket));
    // Netty's decoder cuts frames, in order with the FIN; the session sits after it.
    Channel ch = Channels.takeOver(socket, codec.decoder(options().maxFrameBytes()), session);
    sessions.add(session);
    ch.closeFuture().addListener(f -> frontend.closed());
    ch.config().setAutoRead(true);
  }

  /** Stops following departures; Vert.x closes the listener and its connections. */
  public void close() {
    stopWatching.run();
  }

  void ended(MessageSession s) {
    sessions.remove(s);
  }

  void held(int delta) {
    frontend.heldFrames(delta);
  }

  Frontend frontend() {
    return frontend;
  }

  FrontendConfig config() {
    return frontend.config();
  }

  FrontendConfig.MessageOptions options() {
    return frontend.config().message();
  }

  Pools pools() {
    return frontend.pools();
  }

  Algorithm algorithm() {
    return frontend.algorithm();
  }

  EventBus bus() {
    return bus;
  }

  Codec codec() {
    return codec;
  }

  ContextInternal context() {
    return context;
  }
}
