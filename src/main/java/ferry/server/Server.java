package ferry.server;

import ferry.cluster.Announcement;
import ferry.cluster.ClusterNode;
import ferry.cluster.NodeOverride;
import ferry.cluster.Registry;
import ferry.config.FerryConfig;
import ferry.config.ServiceConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server role: joins the cluster, opens its built-in services, then announces every service (built-in or
 * external) with its pool, address, weight and state. Balancers find it through that announcement only.
 */
public final class Server {
  private static final Logger log = LoggerFactory.getLogger(Server.class);

  private final FerryConfig config;
  private final ClusterNode node;
  private final Registry registry;
  private final List<Announcement.Endpoint> endpoints = new ArrayList<>();
  /** How long a draining server still accepts, so that every balancer has seen the announcement first. */
  static final long ANNOUNCE_GRACE_MS = 1000;

  private final List<ServiceVerticle> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Server(FerryConfig config, ClusterNode node) {
    this.config = config;
    this.node = node;
    this.registry = new Registry(node);
  }

  public static Future<Server> start(FerryConfig config) {
    return ClusterNode.startThen(config.node(), config.cluster(), node -> {
      Server s = new Server(config, node);
      return s.open().map(s);
    });
  }

  private Future<Void> open() {
    Future<Void> chain = Future.succeededFuture();
    for (ServiceConfig svc : config.services().values()) {
      chain = chain.compose(v -> openService(svc));
    }
    return chain
        .compose(v -> registry.announce(config.node().name(), "server", List.copyOf(endpoints)))
        .onSuccess(v -> {
          log.info("server {} up: cluster {} at {}, transport {}", config.node().name(), config.cluster().name(),
              node.clusterAddress(), node.vertx().isNativeTransportEnabled() ? "epoll" : "nio");
          for (Announcement.Endpoint e : endpoints) {
            log.info("service {}: pool {} at {}{} (weight {}, {}{})", e.service(), e.pool(),
                e.port() > 0 ? e.address() : "no tcp", e.bus() != null ? ", messages" : "", e.weight(), e.state(),
                e.maxconn() > 0 ? ", maxconn " + e.maxconn() : "");
          }
        });
  }

  /**
   * One listener per event loop on one port. Port 0 means "any free port": Vert.x shares a random port among
   * servers that listen on the same negative port, so each service gets its own negative number.
   */
  private Future<Void> openService(ServiceConfig svc) {
    if (svc.type().equals("external")) {
      endpoints.add(endpoint(svc, svc.target().host(), svc.target().port(), null));
      return Future.succeededFuture();
    }
    int listenPort = svc.port() != 0 ? svc.port() : -(endpoints.size() + 1);
    // The node's own address for the service: a balancer sends each request to one chosen node, not to "any".
    String bus = "ferry.msg." + node.nodeId() + "." + svc.name();
    AtomicInteger connections = new AtomicInteger();
    List<ServiceVerticle> instances = new ArrayList<>();
    return node.vertx()
        .deployVerticle(() -> {
          ServiceVerticle v = new ServiceVerticle(svc, config.node().name(), bus, listenPort, connections,
              config.node().drainTimeoutMs());
          synchronized (instances) {
            instances.add(v);
          }
          return v;
        }, new DeploymentOptions().setInstances(config.node().eventLoops()))
        .recover(err -> Future.failedFuture(new IllegalStateException("service " + svc.name() + ": cannot start"
            + (svc.hasTcp() ? " on " + svc.host() + ":" + svc.port() : "") + ": " + err.getMessage(), err)))
        .map(id -> {
          int port;
          synchronized (instances) {
            port = instances.get(0).actualPort();
            listeners.addAll(instances);
          }
          endpoints.add(endpoint(svc, svc.host(), port, bus));
          return null;
        });
  }

  /** What this node announces of {@code svc}: reachable at host:port (tcp) and at {@code bus} (message), up. */
  private static Announcement.Endpoint endpoint(ServiceConfig svc, String host, int port, String bus) {
    return new Announcement.Endpoint(svc.name(), svc.type(), svc.pool(), host, port, bus, svc.weight(), "up",
        svc.maxconn());
  }

  public ClusterNode node() {
    return node;
  }

  /** This node's registry: announces its services, and can follow the cluster's (the admin API watches it). */
  public Registry registry() {
    return registry;
  }

  public List<Announcement.Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  /**
   * Graceful drain (SIGTERM): announce every service {@code draining}, so each balancer stops sending new
   * connections and requests at once; let open sessions run to their natural end, for up to
   * {@code node.drainTimeout}; then withdraw and leave the cluster. External services are not waited for: their
   * sessions do not pass through this node, and the program behind them is not stopping.
   */
  public Future<Void> close() {
    List<Announcement.Endpoint> draining = endpoints.stream()
        .map(e -> e.withState(NodeOverride.DRAINING))
        .toList();
    log.info("draining: no new connections; waiting up to {} ms for open sessions", config.node().drainTimeoutMs());
    long started = System.nanoTime();
    // Keep accepting for a moment after announcing: a balancer learns of the drain one map event later (tens of
    // ms), and a connection it opens meanwhile must be served, not refused by a listener already shut.
    Future<Void> drained = registry.announce(config.node().name(), "server", draining)
        .transform(v -> {
          Promise<Void> grace = Promise.promise();
          node.vertx().setTimer(ANNOUNCE_GRACE_MS, t -> grace.complete());
          return grace.future();
        })
        .transform(v -> Future.join(listeners.stream().map(ServiceVerticle::drain).toList()))
        .transform(v -> {
          log.info("drained in {} ms; leaving the cluster", (System.nanoTime() - started) / 1_000_000);
          return registry.withdraw();
        });
    return node.closeAfter(drained);
  }
}
