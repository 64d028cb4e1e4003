package ferry.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.DiscoveryStrategyConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import ferry.config.ClusterConfig;
import ferry.config.NodeConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.stream.Collectors;
import java.util.function.Function;

/**
 * A clustered Vert.x instance on Hazelcast, configured from {@code cluster.*}: discovery over an explicit
 * member list, multicast off unless asked, quick joins, no phone-home, logging through SLF4J. Vert.x reports its
 * metrics into a Prometheus registry of the node's own, which the admin server's {@code /metrics} shows.
 */
public final class ClusterNode {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  /** How long a member-list probe waits for a connect; loopback refuses at once, a firewall may drop. */
  private static final int PROBE_TIMEOUT_MS = 500;

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final PrometheusMeterRegistry metrics;

  private ClusterNode(Vertx vertx, HazelcastClusterManager manager, PrometheusMeterRegistry metrics) {
    this.vertx = vertx;
    this.manager = manager;
    this.metrics = metrics;
  }

  public static Future<ClusterNode> start(NodeConfig node, ClusterConfig cluster) {
    ListeningMembers discovery = cluster.multicast() ? null
        : new ListeningMembers(cluster.expandedMembers(), cluster.port(), PROBE_TIMEOUT_MS);
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(node, cluster, discovery));
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(true)
        .setEventLoopPoolSize(node.eventLoops())
        .setEventBusOptions(new EventBusOptions().setHost(cluster.host()).setPort(0))
        // vertx-micrometer keeps registries in a static map by name: a name per node, or nodes in one JVM share one.
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .setRegistryName("ferry-" + node.name() + "-" + UUID.randomUUID()));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return Vertx.builder().with(options).withClusterManager(manager).withMetrics(new MicrometerMetricsFactory(metrics))
        .buildClustered()
        .map(vertx -> {
          if (discovery != null) {
            HazelcastInstance hz = manager.getHazelcastInstance();
            discovery.members(() -> hz.getCluster().getMembers().stream().map(Member::getSocketAddress)
                .collect(Collectors.toSet()));
          }
          return new ClusterNode(vertx, manager, metrics);
        });
  }

  /**
   * Joins the cluster, then runs {@code open}; if that fails, leaves the cluster again before failing.
   * The returned future has no context, as it may complete after Vert.x closed its event loops.
   */
  public static <T> Future<T> startThen(NodeConfig node, ClusterConfig cluster, Function<ClusterNode, Future<T>> open) {
    Promise<T> result = Promise.promise();
    start(node, cluster).onComplete(joined -> {
      if (joined.failed()) {
        result.fail(joined.cause());
        return;
      }
      ClusterNode n = joined.result();
      open.apply(n).onComplete(opened -> {
        if (opened.succeeded()) {
          result.complete(opened.result());
        } else {
          n.close().onComplete(closed -> result.fail(opened.cause()));
        }
      });
    });
    return result.future();
  }

  static Config hazelcastConfig(NodeConfig node, ClusterConfig cluster, ListeningMembers discovery) {
    Config config = ConfigUtil.loadConfig(); // keeps the maps vertx-hazelcast needs (__vertx.subs, ...)
    config.setClusterName(cluster.name());
    config.setInstanceName(node.name());
    // Seconds of waiting before joining: the default (5 s) makes every join take 6-7 s. With 1, a master batches
    // join requests only in its first second, and the first node of a cluster waits 1 s for discovery to find
    // anyone; a node that finds members joins at once.
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // Failure detection. A crash closes sockets and is seen at once; a hung node (SIGSTOP, a GC pause, a dead
    // link) only by missing heartbeats. Balancers' health checks take a hung server out of rotation in ~2-3 s
    // either way; membership drops it after 10 s (Hazelcast's default 60 s). A node that resumes after that has
    // been cut off and sits in a one-member cluster until the split-brain merge, which we run every 5 s
    // (default: first after 300 s). Shorter means faster recovery but more false removals on a loaded host;
    // -Dhazelcast.max.no.heartbeat.seconds=... etc. override these.
    setUnlessGiven(config, "hazelcast.heartbeat.interval.seconds", "1");
    setUnlessGiven(config, "hazelcast.max.no.heartbeat.seconds", "10");
    setUnlessGiven(config, "hazelcast.merge.first.run.delay.seconds", "5");
    setUnlessGiven(config, "hazelcast.merge.next.run.delay.seconds", "5");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.local.localAddress", cluster.host());
    config.getMemberAttributeConfig().setAttribute("ferry.node", node.name());

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(cluster.portAutoIncrement()).setPortCount(100);
    network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(cluster.multicast());
    // The discovery joiner extends the TCP-IP joiner and reads how long to wait for members to answer from this
    // (disabled) config; its 5 s default is paid by every first node.
    join.getTcpIpConfig().setEnabled(false).setConnectionTimeoutSeconds(1);
    if (discovery != null) {
      // The member list through the discovery SPI (see ListeningMembers for why not the TCP-IP joiner).
      config.setProperty("hazelcast.discovery.enabled", "true");
      join.getDiscoveryConfig().addDiscoveryStrategyConfig(new DiscoveryStrategyConfig(discovery));
    }
    return config;
  }

  private static void setUnlessGiven(Config config, String property, String value) {
    if (System.getProperty(property) == null) {
      config.setProperty(property, value);
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The Vert.x node id (a Hazelcast member attribute, not the member UUID). */
  public String nodeId() {
    return manager.getNodeId();
  }

  /** Vert.x's metrics and Ferry's own ({@code ferry_*}), for {@code /metrics}. */
  public PrometheusMeterRegistry meterRegistry() {
    return metrics;
  }

  public HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }

  public String clusterAddress() {
    return hazelcast().getCluster().getLocalMember().getAddress().toString();
  }

  /** Leaves the cluster gracefully; vertx-hazelcast disables Hazelcast's own shutdown hook. */
  public Future<Void> close() {
    return closeAfter(Future.succeededFuture());
  }

  /**
   * Closes Vert.x once {@code first} (say, withdrawing an announcement) is done, whether or not it succeeded.
   * The returned future has no context: one bound to an event loop could not complete once Vert.x closed it.
   */
  public Future<Void> closeAfter(Future<?> first) {
    Promise<Void> closed = Promise.promise();
    first.onComplete(ar -> {
      log.debug("leaving the cluster");
      vertx.close().onComplete(closed);
    });
    return closed.future();
  }
}
