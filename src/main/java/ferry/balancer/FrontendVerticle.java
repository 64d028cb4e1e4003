package ferry.balancer;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * A frontend's listener on one event loop. The balancer deploys one instance per event loop; Vert.x shares the
 * port between them and spreads accepted connections across the instances.
 */
final class FrontendVerticle extends VerticleBase {
  private final Frontend frontend;
  private NetServer server;

  FrontendVerticle(Frontend frontend) {
    this.frontend = frontend;
  }

  @Override
  public Future<?> start() {
    NetServerOptions options = new NetServerOptions()
        .setHost(frontend.config().host())
        .setPort(frontend.config().port())
        .setTcpNoDelay(true)
        .setAcceptBacklog(1024);
    server = vertx.createNetServer(options).connectHandler(frontend::accept);
    return server.listen();
  }
}
