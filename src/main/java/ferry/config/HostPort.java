package ferry.config;

/** A {@code host:port} pair as written in config and flags. */
public record HostPort(String host, int port) {

  /** Parses {@code host:port} (IPv6 as {@code [::1]:port}); {@code where} names the key for the error. */
  public static HostPort parse(String where, String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new ConfigException(where + ": \"" + s + "\" is not host:port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HostPort(host, parsePort(where, s, s.substring(colon + 1)));
  }

  static int parsePort(String where, String whole, String port) {
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new ConfigException(where + ": \"" + whole + "\" has no valid port");
    }
    if (p < 1 || p > 65535) {
      throw new ConfigException(where + ": port " + p + " in \"" + whole + "\" is out of range 1..65535");
    }
    return p;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
