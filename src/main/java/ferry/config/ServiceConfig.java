package ferry.config;

import java.util.List;

/**
 * One service a server node offers and announces: a built-in ({@code echo}, {@code whoami}) listening on
 * {@code host:port}, or an {@code external} TCP program at {@code target} that the balancer connects to directly.
 */
public record ServiceConfig(String name, String type, String pool, String host, int port, int weight, HostPort target) {

  public static final List<String> TYPES = List.of("echo", "whoami", "external");
  public static final int MAX_WEIGHT = 256;

  static ServiceConfig read(String name, Section s) {
    String type = s.oneOf("type", TYPES.contains(name) ? name : null, TYPES, "service type");
    String pool = s.string("pool", name);
    int weight = s.integer("weight", 1, 0, MAX_WEIGHT);
    ServiceConfig c;
    if (type.equals("external")) {
      if (s.has("host") || s.has("port")) {
        throw new ConfigException(s.path(s.has("host") ? "host" : "port")
            + ": an external service has no listener of its own; give its address as \"target\"");
      }
      c = new ServiceConfig(name, type, pool, null, 0, weight, HostPort.parse(s.path("target"), s.requiredString("target")));
    } else {
      if (s.has("target")) {
        throw new ConfigException(s.path("target") + ": only an external service has a target");
      }
      c = new ServiceConfig(name, type, pool, s.string("host", "127.0.0.1"), s.port("port", 0, true), weight, null);
    }
    s.done();
    return c;
  }
}
