package ferry.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicLong;

/** The message-mode halves of the built-in services. */
final class BuiltinServices {

  private BuiltinServices() {
  }

  /** Returns the frame unchanged. */
  static final class Echo implements MessageService {
    @Override
    public Future<Buffer> handle(Buffer request, RequestContext context) {
      return Future.succeededFuture(request);
    }
  }

  /** A one-line JSON answer like its HTTP twin: which server answered, for which pool, and for whom. */
  static final class Whoami implements MessageService {
    private final String host;
    private final int port;
    private final AtomicLong requests = new AtomicLong();

    Whoami(String host, int port) {
      this.host = host;
      this.port = port;
    }

    @Override
    public Future<Buffer> handle(Buffer request, RequestContext context) {
      return Future.succeededFuture(Buffer.buffer(new JsonObject()
          .put("server", context.node())
          .put("pool", context.pool())
          .put("host", host)
          .put("port", port)
          .put("client", context.client())
          .put("requests", requests.incrementAndGet())
          .encode()));
    }
  }
}
