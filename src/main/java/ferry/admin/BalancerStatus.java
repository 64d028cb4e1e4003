package ferry.admin;

import ferry.balancer.Balancer;
import ferry.balancer.Frontend;
import ferry.balancer.PoolMember;
import ferry.cluster.Announcement;
import ferry.cluster.ClusterNode;
import ferry.cluster.NodeOverride;
import ferry.config.FrontendConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code GET /api/status} of a balancer, built from the snapshots the data path already keeps (nothing is
 * locked or copied on the data path's account): this node, its frontends and their counters, every pool's
 * servers as this balancer uses them (effective state and weight, beside what the node announced and what an
 * operator set), and every live cluster node.
 */
final class BalancerStatus {

  private BalancerStatus() {
  }

  static JsonObject of(Balancer b) {
    JsonArray frontends = new JsonArray();
    b.frontends().values().forEach(f -> frontends.add(frontend(f)));
    return new JsonObject()
        .put("node", node(b.node(), b.config().node().name(), "balancer", b.uptimeMs()))
        .put("frontends", frontends)
        .put("pools", pools(b))
        .put("nodes", nodes(b.live()));
  }

  static JsonObject node(ClusterNode node, String name, String role, long uptimeMs) {
    return new JsonObject().put("name", name).put("role", role).put("nodeId", node.nodeId())
        .put("uptimeMs", uptimeMs).put("clusterSize", node.hazelcast().getCluster().getMembers().size());
  }

  static JsonArray nodes(List<Announcement> live) {
    JsonArray out = new JsonArray();
    live.forEach(a -> out.add(new JsonObject().put("name", a.node()).put("role", a.role()).put("nodeId", a.nodeId())));
    return out;
  }

  private static JsonObject frontend(Frontend f) {
    FrontendConfig c = f.config();
    return new JsonObject()
        .put("name", c.name()).put("address", c.address().toString()).put("mode", c.mode()).put("pool", c.pool())
        .put("algorithm", c.algorithm())
        .put("activeConnections", f.activeConnections()).put("totalConnections", f.totalConnections())
        .put("bytesIn", f.bytesIn()).put("bytesOut", f.bytesOut()).put("connectFailures", f.connectFailures())
        .put("queued", f.queued()).put("rejected", f.rejected()).put("queueTimeouts", f.queueTimeouts())
        .put("pendingBytes", f.pendingBytes());
  }

  /** Every pool a server announces, plus every frontend's pool (an empty pool is worth seeing). */
  private static JsonObject pools(Balancer b) {
    Map<String, Announcement.Endpoint> announced = new HashMap<>();
    b.live().forEach(a -> a.services().forEach(e -> announced.put(PoolMember.key(a.nodeId(), e.service()), e)));
    Map<String, NodeOverride> overrides = b.nodeOverrides();
    TreeSet<String> names = new TreeSet<>(b.pools().names());
    b.frontends().values().forEach(f -> names.add(f.config().pool()));
    JsonObject out = new JsonObject();
    for (String pool : names) {
      JsonArray servers = new JsonArray();
      for (PoolMember m : b.pools().all(pool)) {
        Announcement.Endpoint e = announced.get(m.key());
        NodeOverride o = overrides.get(m.node());
        servers.add(new JsonObject()
            .put("name", m.node()).put("nodeId", m.nodeId()).put("service", m.service()).put("address", m.address())
            .put("state", m.state()).put("weight", m.weight()).put("activeConnections", m.active())
            .put("clusterActiveConnections", m.clusterActive()).put("maxconn", m.maxconn())
            .put("announcedState", e == null ? null : e.state())
            .put("announcedWeight", e == null ? null : e.weight())
            .put("override", o == null ? null : o.toApiJson()));
      }
      out.put(pool, new JsonObject().put("servers", servers));
    }
    return out;
  }
}
