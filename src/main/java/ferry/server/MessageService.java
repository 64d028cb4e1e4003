package ferry.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * A service that answers message-mode requests: one frame in, one reply out. Balancers send each frame of a
 * client's stream as a request to one server node's event-bus address and write the replies back in order.
 * Delivery is at least once: a request whose server left or timed out is sent again elsewhere, so a service
 * behind a frontend with {@code retries > 0} should be idempotent.
 *
 * <p>To add one: implement this interface with a public no-argument constructor, put the class on the server's
 * classpath, and configure {@code {"type": "java", "class": "com.example.Upper", "pool": "upper"}}.
 * {@code handle} runs on a Vert.x event loop: it must not block (use {@code vertx.executeBlocking} for that).
 */
public interface MessageService {

  /** Called once per request; the reply is the future's buffer, or a failure (the balancer then retries). */
  Future<Buffer> handle(Buffer request, RequestContext context);

  /** Who asks and where it arrived: the node and service that took the request, and the client's address. */
  record RequestContext(String node, String pool, String service, String client) {
  }
}
