package ferry.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.function.Function;

/**
 * The node's admin HTTP server ({@code admin.*}): status and operator API, health, metrics. On by default on a
 * balancer (127.0.0.1:9090), off on a server unless {@code admin.port} is set. Off loopback a bearer token is
 * required, so the API is never open to the network by accident.
 *
 * @param token the bearer token every request must carry, or null (then only a loopback host is allowed)
 */
public record AdminConfig(boolean enabled, String host, int port, String token) {

  public static final int DEFAULT_PORT = 9090;
  public static final String TOKEN_ENV = "FERRY_ADMIN_TOKEN";

  static AdminConfig read(Role role, Section s, Function<String, String> env) {
    // A server opts in by naming a port; a balancer has its admin server unless it turns it off.
    boolean enabled = s.bool("enabled", role == Role.BALANCER || s.has("port"));
    String host = s.string("host", "127.0.0.1");
    int port = s.port("port", DEFAULT_PORT, true);
    String token = s.string("token", null);
    s.done();
    if (host.isBlank()) {
      throw new ConfigException(s.path("host") + ": missing (must not be empty)");
    }
    if (token != null && token.isBlank()) {
      throw new ConfigException(s.path("token") + ": must not be empty (leave it out for no token)");
    }
    if (token == null) {
      String fromEnv = env.apply(TOKEN_ENV);
      token = fromEnv == null || fromEnv.isBlank() ? null : fromEnv.trim();
    }
    if (enabled && token == null && !isLoopback(s.path("host"), host)) {
      throw new ConfigException(s.path("token") + ": missing: admin.host " + host
          + " is not a loopback address, so a token is required (admin.token or " + TOKEN_ENV + ")");
    }
    return new AdminConfig(enabled, host, port, token);
  }

  private static boolean isLoopback(String where, String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException(where + ": cannot resolve \"" + host + "\"");
    }
  }

  /** The URL operators use, as logged at start. */
  public String url(int actualPort) {
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + actualPort;
  }

  /** Never shows the token: configs end up in logs and test failure messages. */
  @Override
  public String toString() {
    return "AdminConfig[enabled=" + enabled + ", host=" + host + ", port=" + port
        + ", token=" + (token == null ? "none" : "***") + "]";
  }
}
