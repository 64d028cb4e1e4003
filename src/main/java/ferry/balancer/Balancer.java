package ferry.balancer;

import ferry.cluster.ClusterNode;
import ferry.cluster.Registry;
import ferry.config.FerryConfig;
import ferry.config.FrontendConfig;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The balancer role: joins the cluster, watches the registry for servers, then opens every frontend.
 * Frontends open only after the first view of the cluster is in, so the first client already sees the servers.
 */
public final class Balancer {
  private static final Logger log = LoggerFactory.getLogger(Balancer.class);

  private final FerryConfig config;
  private final ClusterNode node;
  private final Registry registry;
  private final Pools pools = new Pools();
  private final Map<String, Frontend> frontends = new LinkedHashMap<>();

  private Balancer(FerryConfig config, ClusterNode node) {
    this.config = config;
    this.node = node;
    this.registry = new Registry(node);
  }

  public static Future<Balancer> start(FerryConfig config) {
    return ClusterNode.startThen(config.node(), config.cluster(), node -> {
      Balancer b = new Balancer(config, node);
      return b.open().map(b);
    });
  }

  private Future<Void> open() {
    Context context = node.vertx().getOrCreateContext();
    return registry.watch(context, pools::update)
        .compose(v -> registry.announce(config.node().name(), "balancer", List.of()))
        .compose(v -> {
          List<Future<?>> listening = new ArrayList<>();
          for (FrontendConfig fc : config.frontends().values()) {
            Frontend f = new Frontend(fc, pools);
            frontends.put(fc.name(), f);
            listening.add(node.vertx()
                .deployVerticle(() -> new FrontendVerticle(f), new DeploymentOptions().setInstances(config.node().eventLoops()))
                .recover(err -> Future.failedFuture(new ListenException(fc, err))));
          }
          return Future.all(listening).<Void>mapEmpty();
        })
        .onSuccess(v -> {
          log.info("balancer {} up: cluster {} at {}, transport {}", config.node().name(), config.cluster().name(),
              node.clusterAddress(), node.vertx().isNativeTransportEnabled() ? "epoll" : "nio");
          for (FrontendConfig fc : config.frontends().values()) {
            log.info("frontend {}: listening on {} ({}) -> pool {} ({}), {} servers now", fc.name(), fc.address(),
                fc.mode(), fc.pool(), fc.algorithm(), pools.usable(fc.pool()).size());
          }
        });
  }

  public ClusterNode node() {
    return node;
  }

  public Pools pools() {
    return pools;
  }

  public Map<String, Frontend> frontends() {
    return frontends;
  }

  /** Leaves the cluster: the announcement first, then Vert.x (which closes every listener and connection). */
  public Future<Void> close() {
    return node.closeAfter(registry.withdraw());
  }

  /** A frontend could not bind its address: the message names the frontend and the address. */
  public static final class ListenException extends RuntimeException {
    ListenException(FrontendConfig fc, Throwable cause) {
      super("frontend " + fc.name() + ": cannot listen on " + fc.address() + ": " + cause.getMessage(), cause);
    }
  }
}
