package ferry.integration;

import ferry.server.MessageService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/** A message service that never answers: a hung server, as far as its requests can tell. */
public final class HangService implements MessageService {
  @Override
  public Future<Buffer> handle(Buffer request, RequestContext context) {
    return Promise.<Buffer>promise().future();
  }
}
