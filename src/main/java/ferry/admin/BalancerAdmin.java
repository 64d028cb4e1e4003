package ferry.admin;

import ferry.balancer.Balancer;
import ferry.balancer.Frontend;
import ferry.balancer.Reloader;
import ferry.cluster.ClusterNode;
import ferry.config.FrontendConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A balancer's admin server: {@code /api/status}, the node operations, {@code /health/*} and {@code /metrics}.
 * Other features (the dashboard, reload) add their routes to the returned {@link AdminServer}.
 */
public final class BalancerAdmin {

  private BalancerAdmin() {
  }

  public static Future<AdminServer> start(Balancer b) {
    AdminServer admin = new AdminServer(b.node().vertx(), b.config().admin());
    PrometheusMeterRegistry registry = b.node().meterRegistry();
    FerryMetrics metrics = new FerryMetrics(registry, b::frontends, b.pools(), b.health());
    FerryMetrics.registerNode(registry, b.node());
    Map<String, HealthRoutes.Check> ready = new LinkedHashMap<>();
    ready.put("cluster", () -> joinProblem(b.node()));
    ready.put("pools", () -> emptyPools(b));
    admin.routes(r -> {
      r.get("/api/status").handler(rc -> rc.json(BalancerStatus.of(b)));
      new NodeOpsApi(b::live, b.overrides()).addTo(r);
      r.post("/api/reload").handler(rc -> reload(b, rc));
      HealthRoutes.addTo(r, b.node().vertx(), ready);
      MetricsRoute.addTo(r, registry, metrics::refresh);
    });
    // The dashboard: one page that draws the cluster from /api/status and drains or enables through the API.
    admin.staticResources("/", "webroot");
    return admin.listen();
  }

  /**
   * {@code POST /api/reload}: 200 with what changed ({@code changes}, {@code restartNeeded}, {@code failed}); 400
   * when the new configuration is invalid (the running one stays); 409 with no file to reload, or when a
   * frontend could not listen (the others' changes are applied, that one keeps its old config).
   */
  private static void reload(Balancer b, RoutingContext rc) {
    b.reload("asked by " + rc.request().remoteAddress()).onComplete(ar -> {
      if (ar.succeeded()) {
        JsonObject result = ar.result();
        JsonArray failed = result.getJsonArray("failed");
        rc.response().setStatusCode(failed.isEmpty() ? 200 : 409).putHeader("content-type", "application/json")
            .end((failed.isEmpty() ? result : result.copy().put("error", failed.getString(0))).encode());
      } else if (ar.cause() instanceof Reloader.Rejected r) {
        AdminServer.error(rc, r.noFile() ? 409 : 400, r.getMessage());
      } else {
        rc.fail(ar.cause());
      }
    });
  }

  /** Null while this node is a running member of its cluster. */
  static JsonObject joinProblem(ClusterNode node) {
    var hz = node.hazelcast();
    if (hz.getLifecycleService().isRunning() && hz.getCluster().getMembers().contains(hz.getCluster().getLocalMember())) {
      return null;
    }
    return new JsonObject().put("reason", "not a running member of the cluster");
  }

  /** Null when every frontend's pool has a server it may use now; else which pools have none. */
  private static JsonObject emptyPools(Balancer b) {
    JsonArray empty = new JsonArray();
    for (Frontend f : b.frontends().values()) {
      FrontendConfig c = f.config();
      if (b.pools().forFrontend(c).isEmpty()) {
        empty.add(new JsonObject().put("frontend", c.name()).put("pool", c.pool()));
      }
    }
    return empty.isEmpty() ? null : new JsonObject().put("reason", "a frontend's pool has no usable server")
        .put("empty", empty);
  }
}
