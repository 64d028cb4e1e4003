package ferry.admin;

import ferry.cluster.Announcement;
import ferry.cluster.ClusterNode;
import ferry.cluster.Overrides;
import ferry.config.FerryConfig;
import ferry.server.Server;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A server's optional admin server (on when {@code admin.port} is set): {@code /api/status} with this node, its
 * services and every live node; the node operations (they write the cluster-wide map, so a server may drain a
 * peer too); {@code /health/*}; {@code /metrics} (Vert.x's series and {@code ferry_cluster_members}).
 */
public final class ServerAdmin {

  private ServerAdmin() {
  }

  /**
   * Starts the admin server of a started server when its config enables one; if that fails, the server leaves
   * the cluster again and the failure is returned, as for any other start failure.
   */
  public static Future<Server> attach(Server server, FerryConfig config) {
    if (!config.admin().enabled()) {
      return Future.succeededFuture(server);
    }
    long startedAt = System.nanoTime();
    ClusterNode node = server.node();
    AtomicReference<List<Announcement>> live = new AtomicReference<>(List.of());
    // The server itself only announces; its admin API follows the cluster too.
    return server.registry().watch(node.vertx().getOrCreateContext(), live::set)
        .compose(v -> {
          AdminServer admin = new AdminServer(node.vertx(), config.admin());
          FerryMetrics.registerNode(node.meterRegistry(), node);
          admin.routes(r -> {
            r.get("/api/status").handler(rc -> rc.json(new JsonObject()
                .put("node", BalancerStatus.node(node, config.node().name(), "server", (System.nanoTime() - startedAt) / 1_000_000))
                .put("services", services(server))
                .put("nodes", BalancerStatus.nodes(live.get()))));
            new NodeOpsApi(live::get, new Overrides(node)).addTo(r);
            HealthRoutes.addTo(r, node.vertx(), Map.of("cluster", () -> BalancerAdmin.joinProblem(node)));
            MetricsRoute.addTo(r, node.meterRegistry(), () -> { });
          });
          return admin.listen();
        })
        .map(admin -> server)
        .recover(err -> server.close().transform(closed -> Future.failedFuture(err)));
  }

  private static JsonArray services(Server server) {
    JsonArray out = new JsonArray();
    server.endpoints().forEach(e -> out.add(new JsonObject()
        .put("service", e.service()).put("pool", e.pool()).put("address", e.address())
        .put("weight", e.weight()).put("state", e.state())));
    return out;
  }
}
