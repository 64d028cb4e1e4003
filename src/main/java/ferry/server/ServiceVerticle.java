package ferry.server;

import ferry.config.ServiceConfig;
import ferry.net.Relay;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A built-in service's listener on one event loop; the server deploys one per event loop on the same port.
 * {@code echo} returns every byte (half-close honoured: the reply ends with a FIN after the client's FIN);
 * {@code whoami} answers every HTTP/1.1 request (keep-alive) with which server it is.
 */
final class ServiceVerticle extends VerticleBase {
  private final ServiceConfig service;
  private final String node;
  private final int port;
  private final AtomicInteger connections;
  private int actualPort;

  ServiceVerticle(ServiceConfig service, String node, int port, AtomicInteger connections) {
    this.service = service;
    this.node = node;
    this.port = port;
    this.connections = connections;
  }

  int actualPort() {
    return actualPort;
  }

  @Override
  public Future<?> start() {
    return switch (service.type()) {
      case "echo" -> vertx.createNetServer(new NetServerOptions().setHost(service.host()).setPort(port).setTcpNoDelay(true))
          .connectHandler(socket -> {
            connections.incrementAndGet();
            Relay.echo(socket).client().closeFuture().addListener(f -> connections.decrementAndGet());
          })
          .listen()
          .onSuccess(s -> actualPort = s.actualPort());
      case "whoami" -> vertx.createHttpServer(new HttpServerOptions().setHost(service.host()).setPort(port).setTcpNoDelay(true))
          .connectionHandler(conn -> {
            connections.incrementAndGet();
            conn.closeHandler(v -> connections.decrementAndGet());
          })
          .requestHandler(req -> req.response()
              .putHeader("content-type", "application/json")
              .end(new JsonObject()
                  .put("server", node)
                  .put("pool", service.pool())
                  .put("host", service.host())
                  .put("port", actualPort)
                  .put("connections", connections.get())
                  .encode() + "\n"))
          .listen()
          .onSuccess(s -> actualPort = s.actualPort());
      default -> Future.failedFuture("not a built-in service: " + service.type());
    };
  }
}
