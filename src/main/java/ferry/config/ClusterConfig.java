package ferry.config;

import java.util.ArrayList;
import java.util.List;

/**
 * How a node joins the Hazelcast cluster. {@code members} is the list of where to look for members, as written;
 * {@link #expandedMembers()} is what Hazelcast is given.
 */
public record ClusterConfig(String name, String host, int port, boolean portAutoIncrement, List<String> members,
                            boolean multicast) {

  static final List<String> DEFAULT_MEMBERS = List.of("127.0.0.1:5701-5720");
  private static final int MAX_RANGE = 1000;

  static ClusterConfig read(Section s) {
    ClusterConfig c = new ClusterConfig(
        s.string("name", "ferry"),
        s.string("host", "127.0.0.1"),
        s.port("port", 5701, false),
        s.bool("portAutoIncrement", true),
        s.strings("members", DEFAULT_MEMBERS),
        s.bool("multicast", false));
    for (String key : List.of("name", "host")) {
      if ((key.equals("name") ? c.name : c.host).isBlank()) {
        throw new ConfigException(s.path(key) + ": missing (must not be empty)");
      }
    }
    c.expand(s.path("members")); // validate now, not when Hazelcast starts
    if (c.members.isEmpty() && !c.multicast) {
      throw new ConfigException(s.path("members") + ": empty (list at least one host:port, or set cluster.multicast)");
    }
    s.done();
    return c;
  }

  public static ClusterConfig defaults() {
    return new ClusterConfig("ferry", "127.0.0.1", 5701, true, DEFAULT_MEMBERS, false);
  }

  /**
   * One candidate per port of a {@code host:first-last} range; a member without a port is passed as is (the
   * discovery tries {@code cluster.port} and the 2 ports after it, as Hazelcast's own joiner would).
   */
  public List<String> expandedMembers() {
    return expand("cluster.members");
  }

  private List<String> expand(String where) {
    List<String> out = new ArrayList<>();
    for (String m : members) {
      int colon = m.lastIndexOf(':');
      String portPart = colon < 0 ? "" : m.substring(colon + 1);
      if (colon < 0 || m.endsWith("]")) {
        out.add(m);
      } else if (portPart.contains("-")) {
        String host = m.substring(0, colon);
        String[] range = portPart.split("-", 2);
        int first = HostPort.parsePort(where, m, range[0]);
        int last = HostPort.parsePort(where, m, range[1]);
        if (last < first || last - first >= MAX_RANGE) {
          throw new ConfigException(where + ": bad port range in \"" + m + "\" (first-last, at most " + MAX_RANGE + " ports)");
        }
        for (int p = first; p <= last; p++) {
          out.add(host + ":" + p);
        }
      } else {
        out.add(HostPort.parse(where, m).toString());
      }
    }
    return out;
  }
}
