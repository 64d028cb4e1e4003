package ferry.client;

import ferry.client.ClientOptions.Target;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.stream.Collectors;

/** Connects to the first reachable target, walking the list in order from a start index. */
final class Connector {

  private Connector() {
  }

  /**
   * Tries {@code targets[start % n]}, then the following ones (wrapping), each once.
   * Fails with the last attempt's cause when none accepts.
   */
  static Future<NetSocket> connect(NetClient client, List<Target> targets, int start) {
    Promise<NetSocket> promise = Promise.promise();
    attempt(client, targets, Math.floorMod(start, targets.size()), 0, promise);
    return promise.future();
  }

  private static void attempt(NetClient client, List<Target> targets, int index, int tried,
                              Promise<NetSocket> promise) {
    Target target = targets.get(index);
    client.connect(target.port(), target.host()).onComplete(ar -> {
      if (ar.succeeded()) {
        promise.complete(ar.result());
      } else if (tried + 1 >= targets.size()) {
        promise.fail(ar.cause());
      } else {
        attempt(client, targets, (index + 1) % targets.size(), tried + 1, promise);
      }
    });
  }

  static String describe(List<Target> targets) {
    return targets.stream().map(Target::toString).collect(Collectors.joining(","));
  }

  /** A human reason for a failure; netty exceptions sometimes carry no message. */
  static String reason(Throwable t) {
    String msg = t.getMessage();
    return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
  }
}
