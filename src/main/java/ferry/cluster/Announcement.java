package ferry.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What one node tells the cluster about itself, stored under its node id in the {@value Registry#MAP} map.
 * {@code seq} grows with every change, so a reader never replaces a newer announcement by an older one.
 */
public record Announcement(String nodeId, String node, String role, long seq, List<Endpoint> services) {

  /**
   * One service of a server node: where a balancer connects (tcp mode; {@code port} 0 when the service has no
   * TCP listener), the event-bus address that takes its requests (message mode; null for an external service),
   * and how it may be used: its weight, state and {@code maxconn} (0: no limit).
   */
  public record Endpoint(String service, String type, String pool, String host, int port, String bus, int weight,
                         String state, int maxconn) {
    /** The header of each request sent to {@code bus} that carries the client's address, for the service to see. */
    public static final String CLIENT_HEADER = "ferry-client";

    public Endpoint(String service, String type, String pool, String host, int port, String bus, int weight,
                    String state) {
      this(service, type, pool, host, port, bus, weight, state, 0);
    }

    JsonObject toJson() {
      return new JsonObject().put("service", service).put("type", type).put("pool", pool).put("host", host)
          .put("port", port).put("bus", bus).put("weight", weight).put("state", state).put("maxconn", maxconn);
    }

    static Endpoint fromJson(JsonObject j) {
      return new Endpoint(j.getString("service"), j.getString("type"), j.getString("pool"), j.getString("host"),
          j.getInteger("port", 0), j.getString("bus"), j.getInteger("weight", 1), j.getString("state", "up"),
          j.getInteger("maxconn", 0));
    }

    public Endpoint withState(String newState) {
      return new Endpoint(service, type, pool, host, port, bus, weight, newState, maxconn);
    }

    public Endpoint withWeightAndState(int newWeight, String newState) {
      return new Endpoint(service, type, pool, host, port, bus, newWeight, newState, maxconn);
    }

    public String address() {
      return host + ":" + port;
    }
  }

  public String toJson() {
    JsonArray list = new JsonArray();
    services.forEach(e -> list.add(e.toJson()));
    return new JsonObject().put("node", node).put("role", role).put("seq", seq).put("services", list).encode();
  }

  public static Announcement fromJson(String nodeId, String json) {
    JsonObject j = new JsonObject(json);
    JsonArray list = j.getJsonArray("services", new JsonArray());
    List<Endpoint> services = list.stream().map(o -> Endpoint.fromJson((JsonObject) o)).toList();
    return new Announcement(nodeId, j.getString("node"), j.getString("role"), j.getLong("seq", 0L), services);
  }
}
