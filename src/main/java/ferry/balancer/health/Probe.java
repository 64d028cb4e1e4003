package ferry.balancer.health;

import ferry.config.HealthConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/**
 * One health probe of one server: a TCP connect, then (for send-expect and http) a request whose answer must
 * arrive within the timeout. Everything is non-blocking and bounded by one timer.
 */
final class Probe {
  /** What {@code auto} sends to a built-in echo service, which must return it. */
  static final String ECHO_PROBE = "ferry-health-check\n";

  private Probe() {
  }

  /** The probe a server gets: the pool's type, with {@code auto} resolved by what the service is. */
  static String typeFor(HealthConfig cfg, String serviceType) {
    if (!cfg.type().equals("auto")) {
      return cfg.type();
    }
    return switch (serviceType == null ? "" : serviceType) {
      case "echo" -> "echo";
      case "whoami" -> "http";
      case "java" -> "none"; // no TCP listener: its failures show as request timeouts in message mode
      default -> "connect";
    };
  }

  static Future<Void> run(Vertx vertx, NetClient client, String type, HealthConfig cfg, String host, int port) {
    Promise<Void> result = Promise.promise();
    long timer = vertx.setTimer(cfg.timeout(), t -> result.tryFail("no answer within " + cfg.timeout() + " ms"));
    client.connect(port, host).onComplete(ar -> {
      if (ar.failed()) {
        result.tryFail(ar.cause().getMessage());
        return;
      }
      NetSocket so = ar.result();
      result.future().onComplete(done -> so.close());
      switch (type) {
        case "connect" -> result.tryComplete();
        case "echo" -> expect(so, ECHO_PROBE, ECHO_PROBE.trim(), result);
        case "send-expect" -> expect(so, unescape(cfg.send()), cfg.expect(), result);
        case "http" -> expect(so, "GET " + cfg.path() + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n",
            null, result);
        default -> result.tryFail("unknown probe " + type);
      }
    });
    return result.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /** Sends {@code send} and waits until the answer starts with {@code prefix}, or (prefix null) is HTTP 2xx/3xx. */
  private static void expect(NetSocket so, String send, String prefix, Promise<Void> result) {
    Buffer got = Buffer.buffer();
    so.handler(b -> {
      got.appendBuffer(b);
      String text = got.toString(StandardCharsets.ISO_8859_1);
      if (prefix != null) {
        if (text.startsWith(prefix)) {
          result.tryComplete();
        } else if (text.length() >= prefix.length()) {
          result.tryFail("unexpected answer");
        }
      } else if (text.length() >= 12) {
        char c = text.charAt(9);
        if (text.startsWith("HTTP/1.") && (c == '2' || c == '3')) {
          result.tryComplete();
        } else {
          result.tryFail("HTTP status " + text.substring(9, 12));
        }
      }
    });
    so.closeHandler(v -> result.tryFail("closed before answering"));
    so.write(send);
  }

  /** Lets a config write {@code \n} and {@code \r\n} in {@code send}. */
  private static String unescape(String s) {
    return s.replace("\\r", "\r").replace("\\n", "\n");
  }
}
