package ferry.admin;

import ferry.cluster.Announcement;
import ferry.cluster.NodeOverride;
import ferry.cluster.Overrides;
import ferry.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code POST /api/nodes/{name}/drain}, {@code POST /api/nodes/{name}/enable} and {@code PUT /api/nodes/{name}/weight}
 * with {@code {"weight": N}} (0..256, or null for the announced weight again). Each writes the cluster-wide
 * {@link Overrides} map, so whichever node is asked, every balancer applies it; the reply is the node's override
 * as now stored: {@code {"node": NAME, "override": {"state": ..., "weight": ...}}}.
 */
final class NodeOpsApi {
  private static final Logger log = LoggerFactory.getLogger(NodeOpsApi.class);

  private final Supplier<List<Announcement>> live;
  private final Overrides overrides;

  /** @param live the registry's live announcements: only a live node's name may be named */
  NodeOpsApi(Supplier<List<Announcement>> live, Overrides overrides) {
    this.live = live;
    this.overrides = overrides;
  }

  void addTo(Router router) {
    router.post("/api/nodes/:name/drain").handler(rc -> change(rc, "drain", overrides::drain));
    router.post("/api/nodes/:name/enable").handler(rc -> change(rc, "enable", overrides::enable));
    router.put("/api/nodes/:name/weight")
        .handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(this::weight);
  }

  private void weight(RoutingContext rc) {
    JsonObject body;
    try {
      body = rc.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null || !body.containsKey("weight") || body.size() != 1) {
      AdminServer.error(rc, 400, "body must be a JSON object {\"weight\": N} with N in 0.." + ServiceConfig.MAX_WEIGHT);
      return;
    }
    Object w = body.getValue("weight");
    if (w == null) {
      change(rc, "weight announced", name -> overrides.weight(name, null));
      return;
    }
    if (!(w instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < 0 || n.doubleValue() > ServiceConfig.MAX_WEIGHT) {
      AdminServer.error(rc, 400, "weight must be an integer in 0.." + ServiceConfig.MAX_WEIGHT + ", got " + w);
      return;
    }
    int weight = n.intValue();
    change(rc, "weight " + weight, name -> overrides.weight(name, weight));
  }

  private void change(RoutingContext rc, String what, Function<String, Future<NodeOverride>> op) {
    String name = rc.pathParam("name");
    if (live.get().stream().noneMatch(a -> a.node().equals(name))) {
      AdminServer.error(rc, 404, "unknown node \"" + name + "\" (not a live member of the cluster)");
      return;
    }
    op.apply(name)
        .onSuccess(o -> {
          log.info("admin: {} {} (asked by {})", what, name, rc.request().remoteAddress());
          rc.json(new JsonObject().put("node", name).put("override", o.toApiJson()));
        })
        .onFailure(rc::fail);
  }
}
