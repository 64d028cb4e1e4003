package ferry.balancer;

import ferry.admin.AdminServer;
import ferry.admin.BalancerAdmin;
import ferry.cluster.Announcement;
import ferry.balancer.health.HealthChecker;
import ferry.cluster.ClusterNode;
import ferry.cluster.NodeOverride;
import ferry.cluster.Overrides;
import ferry.cluster.Registry;
import ferry.config.ConfigLoader;
import ferry.config.ConfigSource;
import ferry.config.FerryConfig;
import ferry.config.FrontendConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The balancer role: joins the cluster, watches the registry for servers, then opens every frontend.
 * Frontends open only after the first view of the cluster is in, so the first client already sees the servers.
 * The operators' overrides (drain, weight) are watched on the same context as the registry, so the pools are
 * rebuilt from both in one place; the admin server opens last. A balancer started from a file reloads its
 * frontends when the file changes ({@link Reloader}).
 */
public final class Balancer {
  private static final Logger log = LoggerFactory.getLogger(Balancer.class);

  private final FerryConfig config;
  private final ClusterNode node;
  private final Registry registry;
  private final Pools pools = new Pools();
  private final FrontendSet frontends;
  private HealthChecker health;
  private final Overrides overrides;
  private final long startedAt = System.nanoTime();
  // The last snapshots of the two watches, for the admin API; the data path reads the pools only.
  private volatile List<Announcement> live = List.of();
  private LoadShare loadShare;
  private volatile Map<String, NodeOverride> nodeOverrides = Map.of();
  private volatile AdminServer admin;
  private final ConfigLoader.Loaded loaded;
  private final ConfigSource source;
  private volatile Reloader reloader;

  private Balancer(ConfigLoader.Loaded loaded, ConfigSource source, ClusterNode node) {
    this.config = loaded.config();
    this.loaded = loaded;
    this.source = source;
    this.node = node;
    this.registry = new Registry(node);
    this.overrides = new Overrides(node);
    this.frontends = new FrontendSet(node.vertx(), config.node().eventLoops(), config.node().drainTimeoutMs(),
        fc -> new Frontend(fc, pools, health));
  }

  /** A balancer with nothing to reload (tests; a config not read from a file). */
  public static Future<Balancer> start(FerryConfig config) {
    return start(new ConfigLoader.Loaded(new JsonObject(), config, null), null);
  }

  /**
   * @param loaded the validated configuration and the document it came from
   * @param source how it was built ({@code --role}, {@code --config}, {@code --set}s): with a file, the balancer
   *               reloads it on a change (every {@code reload.scanPeriodMs}) and on {@code POST /api/reload}
   */
  public static Future<Balancer> start(ConfigLoader.Loaded loaded, ConfigSource source) {
    FerryConfig config = loaded.config();
    return ClusterNode.startThen(config.node(), config.cluster(), node -> {
      Balancer b = new Balancer(loaded, source, node);
      return b.open().map(b);
    });
  }

  private Future<Void> open() {
    Context context = node.vertx().getOrCreateContext();
    // Health checks run on the registry's context and follow every rebuild of the pools.
    health = new HealthChecker(node.vertx(), context, config.pools()::healthOf, pools::down);
    pools.onRebuild(health::track);
    // Connection counts shared with the other live balancers, for cluster-scope leastconn and p2c.
    loadShare = new LoadShare(node, context, pools, () -> live.stream().filter(a -> "balancer".equals(a.role()))
        .map(Announcement::nodeId).collect(java.util.stream.Collectors.toSet()), pools::downKeys);
    health.startFrom(loadShare::downElsewhere);
    reloader = new Reloader(context, source, loaded, frontends, config.node().drainTimeoutMs());
    return loadShare.start().compose(started -> registry.watch(context, next -> {
          live = next;
          pools.update(next);
        }))
        .compose(v -> overrides.watch(context, next -> {
          nodeOverrides = next;
          pools.overrides(next);
        }))
        .compose(v -> registry.announce(config.node().name(), "balancer", List.of()))
        .compose(v -> {
          List<Future<FrontendSet.Listening>> listening = new ArrayList<>();
          for (FrontendConfig fc : config.frontends().values()) {
            listening.add(frontends.listen(fc));
          }
          // join, not all: every deployment settles before a failure closes Vert.x under them
          return Future.join(listening)
              .onSuccess(all -> listening.forEach(l -> frontends.put(l.result()))) // in the file's order
              .<Void>mapEmpty();
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
            log.info("frontend {}: listening on {}, {} servers now", fc.name(), Reloader.describe(fc),
                pools.forFrontend(fc).size());
          }
          reloader.watch();
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

  /** The frontends listening now, by name: an immutable snapshot (a reload swaps in a new one), safe anywhere. */
  public Map<String, Frontend> frontends() {
    return frontends.snapshot();
  }

  /** The configuration the balancer started with; after a reload, {@link #frontends()} has the frontends in use. */
  public FerryConfig config() {
    return config;
  }

  /**
   * Loads the {@code --config} file (and the start's {@code --set}s) again and applies its frontends; fails with
   * {@link Reloader.Rejected} when the new configuration is invalid or there is no file (nothing changes then).
   * @param why for the log: who asked
   */
  public Future<JsonObject> reload(String why) {
    return reloader.reload(why).map(Reloader.Result::toJson);
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
    if (reloader != null) {
      reloader.close();
    }
    Future<Void> drained = frontends.drainAll();
    loadShare.stop();
    return node.closeAfter(drained.transform(v -> registry.withdraw()));
  }

  /** A frontend could not bind its address: the message names the frontend and the address. */
  public static final class ListenException extends RuntimeException {
    ListenException(FrontendConfig fc, Throwable cause) {
      super("frontend " + fc.name() + ": cannot listen on " + fc.address() + ": " + cause.getMessage(), cause);
    }
  }
}
