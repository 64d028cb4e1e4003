package ferry.balancer;

import ferry.admin.AdminServer;
import ferry.admin.BalancerAdmin;
import ferry.cluster.Announcement;
import ferry.balancer.health.HealthChecker;
import ferry.cluster.ClusterNode;
import ferry.cluster.NodeOverride;
import ferry.cluster.Overrides;
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
 * The operators' overrides (drain, weight) are watched on the same context as the registry, so the pools are
 * rebuilt from both in one place; the admin server opens last.
 */
public final class Balancer {
  private static final Logger log = LoggerFactory.getLogger(Balancer.class);

  private final FerryConfig config;
  private final ClusterNode node;
  private final Registry registry;
  private final Pools pools = new Pools();
  private final Map<String, Frontend> frontends = new LinkedHashMap<>();
  private HealthChecker health;
  private final List<FrontendVerticle> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Overrides overrides;
  private final long startedAt = System.nanoTime();
  // The last snapshots of the two watches, for the admin API; the data path reads the pools only.
  private volatile List<Announcement> live = List.of();
  private volatile Map<String, NodeOverride> nodeOverrides = Map.of();
  private volatile AdminServer admin;

  private Balancer(FerryConfig config, ClusterNode node) {
    this.config = config;
    this.node = node;
    this.registry = new Registry(node);
    this.overrides = new Overrides(node);
  }

  public static Future<Balancer> start(FerryConfig config) {
    return ClusterNode.startThen(config.node(), config.cluster(), node -> {
      Balancer b = new Balancer(config, node);
      return b.open().map(b);
    });
  }

  private Future<Void> open() {
    Context context = node.vertx().getOrCreateContext();
    // Health checks run on the registry's context and follow every rebuild of the pools.
    health = new HealthChecker(node.vertx(), context, config.pools()::healthOf, pools::down);
    pools.onRebuild(health::track);
    return registry.watch(context, next -> {
          live = next;
          pools.update(next);
        })
        .compose(v -> overrides.watch(context, next -> {
          nodeOverrides = next;
          pools.overrides(next);
        }))
        .compose(v -> registry.announce(config.node().name(), "balancer", List.of()))
        .compose(v -> {
          List<Future<?>> listening = new ArrayList<>();
          for (FrontendConfig fc : config.frontends().values()) {
            Frontend f = new Frontend(fc, pools, health);
            frontends.put(fc.name(), f);
            listening.add(node.vertx()
                .deployVerticle(() -> {
                  FrontendVerticle listener = new FrontendVerticle(f, config.node().drainTimeoutMs());
                  listeners.add(listener);
                  return listener;
                }, new DeploymentOptions().setInstances(config.node().eventLoops()))
                .recover(err -> Future.failedFuture(new ListenException(fc, err))));
          }
          // join, not all: every deployment settles before a failure closes Vert.x under them
          return Future.join(listening).<Void>mapEmpty();
        })
        .compose(v -> !config.admin().enabled() ? Future.<Void>succeededFuture()
            : BalancerAdmin.start(this).<Void>map(a -> {
              admin = a;
              return null;
            }))
        .onSuccess(v -> {
          log.info("balancer {} up: cluster {} at {}, transport {}", config.node().name(), config.cluster().name(),
              node.clusterAddress(), node.vertx().isNativeTransportEnabled() ? "epoll" : "nio");
          for (FrontendConfig fc : config.frontends().values()) {
            log.info("frontend {}: listening on {} ({}) -> pool {} ({}), {} servers now", fc.name(), fc.address(),
                fc.isMessage() ? "message, " + fc.message().codec() : fc.mode(), fc.pool(), fc.algorithm(),
                (fc.isMessage() ? pools.messaging(fc.pool()) : pools.usable(fc.pool())).size());
          }
        });
  }

  public ClusterNode node() {
    return node;
  }

  /** This balancer's health checks (state and detail per server). */
  public HealthChecker health() {
    return health;
  }

  public Pools pools() {
    return pools;
  }

  public Map<String, Frontend> frontends() {
    return frontends;
  }

  public FerryConfig config() {
    return config;
  }

  /** The live cluster nodes as last seen by the registry (announced and still members), sorted by name. */
  public List<Announcement> live() {
    return live;
  }

  /** The operators' overrides in force, by node name. */
  public Map<String, NodeOverride> nodeOverrides() {
    return nodeOverrides;
  }

  /** Writes overrides into the cluster-wide map (applied by every balancer, this one included, via the watch). */
  public Overrides overrides() {
    return overrides;
  }

  /** The admin server, or null when {@code admin.enabled} is false. */
  public AdminServer admin() {
    return admin;
  }

  public long uptimeMs() {
    return (System.nanoTime() - startedAt) / 1_000_000;
  }

  /** Graceful stop (SIGTERM): drain every frontend for up to node.drainTimeout, withdraw, leave the cluster. */
  public Future<Void> close() {
    // Stop accepting at once (a balancer sharing the port takes new connections), let open sessions end, then go.
    log.info("stopping: no new connections; waiting up to {} ms for open sessions", config.node().drainTimeoutMs());
    Future<Void> drained = Future.join(listeners.stream().map(FrontendVerticle::drain).toList()).mapEmpty();
    return node.closeAfter(drained.transform(v -> registry.withdraw()));
  }

  /** A frontend could not bind its address: the message names the frontend and the address. */
  public static final class ListenException extends RuntimeException {
    ListenException(FrontendConfig fc, Throwable cause) {
      super("frontend " + fc.name() + ": cannot listen on " + fc.address() + ": " + cause.getMessage(), cause);
    }
  }
}
