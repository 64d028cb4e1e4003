package ferry.config;

import java.util.List;

/** One listening address of a balancer and the pool it forwards to. */
public record FrontendConfig(String name, String host, int port, String pool, String mode, String algorithm,
                             int connectTimeoutMs, int retries) {

  public static final List<String> MODES = List.of("tcp");
  public static final List<String> ALGORITHMS = List.of("roundrobin", "leastconn", "p2c", "hash", "random");

  static FrontendConfig read(String name, Section s) {
    FrontendConfig f = new FrontendConfig(
        name,
        s.string("host", "127.0.0.1"),
        s.port("port", 0, false),
        s.string("pool", name),
        s.oneOf("mode", "tcp", MODES, "mode"),
        s.oneOf("algorithm", "roundrobin", ALGORITHMS, "algorithm"),
        s.integer("connectTimeoutMs", 2000, 1, 600_000),
        s.integer("retries", 2, 0, 100));
    if (!s.has("port")) {
      throw new ConfigException(s.path("port") + ": missing (required)");
    }
    s.done();
    return f;
  }

  public HostPort address() {
    return new HostPort(host, port);
  }
}
