package ferry.config;

import java.util.List;

/**
 * One listening address of a balancer and the pool it forwards to. {@code message} is set for mode
 * {@code message} only, and each mode refuses the keys of the other.
 */
public record FrontendConfig(String name, String host, int port, String pool, String mode, String algorithm,
                             int connectTimeoutMs, int retries, MessageOptions message, Limits limits,
                             String scope) {

  public static final List<String> MODES = List.of("tcp", "message");
  public static final List<String> ALGORITHMS = List.of("roundrobin", "leastconn", "p2c", "hash", "random");
  public static final List<String> CODECS = List.of("lines", "length");
  public static final List<String> SCOPES = List.of("cluster", "local");
  // The limits act on tcp sessions only: a message frontend is bounded per connection by maxInFlight instead.
  private static final List<String> TCP_ONLY =
      List.of("connectTimeoutMs", "maxconn", "maxqueue", "queueTimeoutMs", "idleTimeoutMs");
  private static final List<String> MESSAGE_ONLY = List.of("codec", "maxFrameBytes", "maxInFlight", "sticky", "requestTimeoutMs");

  /**
   * Message mode: how frames are cut ({@code codec}, {@code maxFrameBytes}), how many requests one connection
   * may have in flight, whether a connection stays on one server, and how long a reply may take.
   */
  public record MessageOptions(String codec, int maxFrameBytes, int maxInFlight, boolean sticky, int requestTimeoutMs) {
  }

  /**
   * Connection limits, HAProxy's way: past {@code maxconn} open connections (0: no limit) a new one waits in a
   * queue of at most {@code maxqueue} for up to {@code queueTimeoutMs}, then is closed (and counted); one that finds
   * the queue full is closed at once. {@code idleTimeoutMs}: a session with no byte either way for that long is
   * closed; 0 (the default) never, so long-lived sessions are not cut by a default.
   */
  public record Limits(int maxconn, int maxqueue, int queueTimeoutMs, long idleTimeoutMs) {
    public static final Limits DEFAULT = new Limits(0, 100, 5000, 0);
  }

  /** A frontend with the default limits and scope. */
  public FrontendConfig(String name, String host, int port, String pool, String mode, String algorithm,
                        int connectTimeoutMs, int retries, MessageOptions message) {
    this(name, host, port, pool, mode, algorithm, connectTimeoutMs, retries, message, Limits.DEFAULT, "cluster");
  }

  /** A tcp frontend with the default limits: the shape most code and tests need. */
  public FrontendConfig(String name, String host, int port, String pool, String mode, String algorithm,
                        int connectTimeoutMs, int retries) {
    this(name, host, port, pool, mode, algorithm, connectTimeoutMs, retries, null, Limits.DEFAULT, "cluster");
  }

  static FrontendConfig read(String name, Section s) {
    String mode = s.oneOf("mode", "tcp", MODES, "mode");
    for (String key : mode.equals("tcp") ? MESSAGE_ONLY : TCP_ONLY) {
      if (s.has(key)) {
        throw new ConfigException(s.path(key) + ": only for mode " + (mode.equals("tcp") ? "message" : "tcp"));
      }
    }
    MessageOptions message = mode.equals("message") ? new MessageOptions(
        s.oneOf("codec", "lines", CODECS, "codec"),
        s.integer("maxFrameBytes", 64 * 1024, 1, 16 * 1024 * 1024),
        s.integer("maxInFlight", 64, 1, 100_000),
        s.bool("sticky", false),
        s.integer("requestTimeoutMs", 2000, 1, 600_000)) : null;
    FrontendConfig f = new FrontendConfig(
        name,
        s.string("host", "127.0.0.1"),
        s.port("port", 0, false),
        s.string("pool", name),
        mode,
        s.oneOf("algorithm", "roundrobin", ALGORITHMS, "algorithm"),
        s.integer("connectTimeoutMs", 2000, 1, 600_000),
        s.integer("retries", 2, 0, 100),
        message,
        new Limits(s.integer("maxconn", 0, 0, 1_000_000), s.integer("maxqueue", 100, 0, 1_000_000),
            s.integer("queueTimeoutMs", 5000, 1, 3_600_000), s.integer("idleTimeoutMs", 0L, 0, 86_400_000L)),
        s.oneOf("scope", "cluster", SCOPES, "scope"));
    if (!s.has("port")) {
      throw new ConfigException(s.path("port") + ": missing (required)");
    }
    s.done();
    return f;
  }

  /** leastconn and p2c count every balancer's connections (scope cluster), or only this balancer's (local). */
  public boolean clusterScope() {
    return scope.equals("cluster");
  }

  public boolean isMessage() {
    return message != null;
  }

  public HostPort address() {
    return new HostPort(host, port);
  }
}
