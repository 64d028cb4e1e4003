package ferry.server;

import ferry.cluster.Announcement;
import ferry.cluster.ClusterNode;
import ferry.cluster.Registry;
import ferry.config.FerryConfig;
import ferry.config.ServiceConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
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
            log.info("service {}: pool {} at {} (weight {}, {})", e.service(), e.pool(), e.address(), e.weight(), e.state());
          }
        });
  }

  /**
   * One listener per event loop on one port. Port 0 means "any free port": Vert.x shares a random port among
   * servers that listen on the same negative port, so each service gets its own negative number.
   */
  private Future<Void> openService(ServiceConfig svc) {
    if (svc.type().equals("external")) {
      endpoints.add(endpoint(svc, svc.target().host(), svc.target().port()));
      return Future.succeededFuture();
    }
    int listenPort = svc.port() != 0 ? svc.port() : -(endpoints.size() + 1);
    AtomicInteger connections = new AtomicInteger();
    List<ServiceVerticle> instances = new ArrayList<>();
    return node.vertx()
        .deployVerticle(() -> {
          ServiceVerticle v = new ServiceVerticle(svc, config.node().name(), listenPort, connections);
          synchronized (instances) {
            instances.add(v);
          }
          return v;
        }, new DeploymentOptions().setInstances(config.node().eventLoops()))
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "service " + svc.name() + ": cannot listen on " + svc.host() + ":" + svc.port() + ": " + err.getMessage(), err)))
        .map(id -> {
          synchronized (instances) {
            endpoints.add(endpoint(svc, svc.host(), instances.get(0).actualPort()));
          }
          return null;
        });
  }

  private static Announcement.Endpoint endpoint(ServiceConfig svc, String host, int port) {
    return new Announcement.Endpoint(svc.name(), svc.pool(), host, port, svc.weight(), "up");
  }

  public ClusterNode node() {
    return node;
  }

  public List<Announcement.Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  /** Withdraws the announcement first, so balancers stop sending new connections, then leaves the cluster. */
  public Future<Void> close() {
    return node.closeAfter(registry.withdraw());
  }
}
