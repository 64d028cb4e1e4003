package ferry.balancer;

import ferry.balancer.message.MessageRouter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.util.concurrent.TimeUnit;

/**
 * A frontend's listener on one event loop. The balancer deploys one instance per event loop; Vert.x shares the
 * port between them and spreads accepted connections across the instances.
 */
final class FrontendVerticle extends VerticleBase {
  private final Frontend frontend;
  private final long drainMs;
  private NetServer server;
  private MessageRouter router;
  private boolean listening;

  FrontendVerticle(Frontend frontend, long drainMs) {
    this.frontend = frontend;
    this.drainMs = drainMs;
  }

  @Override
  public Future<?> start() {
    NetServerOptions options = new NetServerOptions()
        .setHost(frontend.config().host())
        .setPort(frontend.config().port())
        .setTcpNoDelay(true)
        // As HAProxy does by default on Linux: several balancer processes on one host may share the port, and the
        // kernel spreads new connections across them; one that stops (or dies) takes only its own sessions along.
        .setReusePort(true)
        .setAcceptBacklog(1024);
    if (frontend.config().isMessage()) {
      router = new MessageRouter(frontend, context);
      server = vertx.createNetServer(options).connectHandler(router::accept);
    } else {
      server = vertx.createNetServer(options).connectHandler(frontend::accept);
    }
    return server.listen()
        .onSuccess(s -> listening = true)
        .onFailure(err -> {
          if (router != null) {
            router.close(); // a failed bind (a reload onto a port in use) must not leave its departure watch behind
          }
        });
  }

  /**
   * Graceful: stop accepting at once (another balancer sharing the port takes the new connections), let open
   * sessions run to their end for up to the drain timeout, then close what is left.
   */
  Future<Void> drain() {
    frontend.draining();
    if (router != null) {
      router.close();
    }
    // Only a listener that is up has anything to drain (shutting down one whose bind failed trips Vert.x).
    return listening ? server.shutdown(drainMs, TimeUnit.MILLISECONDS) : Future.succeededFuture();
  }
}
