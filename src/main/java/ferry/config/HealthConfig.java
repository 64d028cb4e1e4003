package ferry.config;

import java.util.List;

/**
 * Active health checks of a pool's servers, in HAProxy's words: every {@code inter} ms a probe that must answer
 * within {@code timeout} ms; {@code fall} failures in a row take a server out, {@code rise} successes bring it
 * back. {@code auto} picks a probe that gets a real answer from a built-in service (a TCP connect alone succeeds
 * even on a hung process, whose kernel still accepts): echo is sent a line and must return it, whoami must answer
 * HTTP; an external service gets a TCP connect, unless the pool says otherwise.
 */
public record HealthConfig(String type, int inter, int timeout, int rise, int fall, String send, String expect,
                           String path) {

  public static final List<String> TYPES = List.of("auto", "connect", "send-expect", "http", "none");
  public static final HealthConfig DEFAULT = new HealthConfig("auto", 1000, 500, 2, 2, null, null, "/");

  /** Reads {@code s} over {@code base}: a pool's section only needs the keys it changes. */
  static HealthConfig read(Section s, HealthConfig base) {
    String type = s.oneOf("type", base.type, TYPES, "health check type");
    HealthConfig h = new HealthConfig(type,
        s.integer("inter", base.inter, 50, 3_600_000),
        s.integer("timeout", base.timeout, 10, 600_000),
        s.integer("rise", base.rise, 1, 100),
        s.integer("fall", base.fall, 1, 100),
        s.string("send", base.send),
        s.string("expect", base.expect),
        s.string("path", base.path));
    if (type.equals("send-expect") && (h.send == null || h.expect == null)) {
      throw new ConfigException(s.path(h.send == null ? "send" : "expect") + ": missing (required for send-expect)");
    }
    if (h.timeout > h.inter) {
      throw new ConfigException(s.path("timeout") + ": " + h.timeout + " is longer than inter (" + h.inter + ")");
    }
    if (!h.path.startsWith("/")) {
      throw new ConfigException(s.path("path") + ": \"" + h.path + "\" must start with /");
    }
    s.done();
    return h;
  }
}
