package ferry.server;

import ferry.cluster.Announcement;
import ferry.config.ServiceConfig;
import ferry.net.Relay;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service on one event loop; the server deploys one per event loop, sharing the service's port and its
 * event-bus address. {@code echo} returns every byte (half-close honoured: the reply ends with a FIN after the
 * client's FIN); {@code whoami} answers every HTTP/1.1 request (keep-alive) with which server it is; both, and
 * {@code java} services, also answer message-mode requests on the node's own address for the service.
 */
final class ServiceVerticle extends VerticleBase {
  private final ServiceConfig service;
  private final String node;
  private final String bus;
  private final int port;
  private final AtomicInteger connections;
  private final long drainMs;
  private volatile int actualPort;
  private boolean listening;
  private io.vertx.core.net.NetServer tcp;
  private io.vertx.core.http.HttpServer http;

  ServiceVerticle(ServiceConfig service, String node, String bus, int port, AtomicInteger connections, long drainMs) {
    this.drainMs = drainMs;
    this.service = service;
    this.node = node;
    this.bus = bus;
    this.port = port;
    this.connections = connections;
  }

  int actualPort() {
    return actualPort;
  }

  @Override
  public Future<?> start() {
    Future<?> started = switch (service.type()) {
      case "echo" -> (tcp = vertx.createNetServer(new NetServerOptions().setHost(service.host()).setPort(port).setTcpNoDelay(true)))
          .connectHandler(socket -> {
            connections.incrementAndGet();
            Relay.echo(socket).client().closeFuture().addListener(f -> connections.decrementAndGet());
          })
          .listen()
          .onSuccess(s -> actualPort = s.actualPort());
      case "whoami" -> (http = vertx.createHttpServer(new HttpServerOptions().setHost(service.host()).setPort(port).setTcpNoDelay(true)))
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
      default -> Future.succeededFuture();
    };
    return started.compose(v -> {
      listening = true;
      return answerMessages();
    });
  }

  /** Drain: stop accepting, wait for open connections to end (up to the drain timeout), then close them. */
  Future<Void> drain() {
    if (!listening) {
      return Future.succeededFuture(); // a listener whose bind failed has nothing to drain
    }
    if (tcp != null) {
      return tcp.shutdown(drainMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    if (http != null) {
      return http.shutdown(drainMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    return Future.succeededFuture();
  }

  private Future<Void> answerMessages() {
    MessageService handler = switch (service.type()) {
      case "echo" -> new BuiltinServices.Echo();
      case "whoami" -> new BuiltinServices.Whoami(service.host(), actualPort);
      case "java" -> instantiate(service.className());
      default -> null;
    };
    if (handler == null) {
      return Future.succeededFuture();
    }
    return vertx.eventBus().<Buffer>consumer(bus, msg -> answer(handler, msg)).completion();
  }

  private void answer(MessageService handler, Message<Buffer> msg) {
    MessageService.RequestContext ctx = new MessageService.RequestContext(node, service.pool(), service.name(),
        msg.headers().get(Announcement.Endpoint.CLIENT_HEADER));
    Future<Buffer> reply;
    try {
      reply = handler.handle(msg.body(), ctx);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        msg.fail(500, service.name() + " failed: " + ar.cause().getMessage());
      }
    });
  }

  /** One instance per event loop, so a user's service needs no locking. */
  private static MessageService instantiate(String className) {
    try {
      return (MessageService) Class.forName(className).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("cannot create " + className + ": " + e, e);
    }
  }
}
