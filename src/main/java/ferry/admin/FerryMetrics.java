package ferry.admin;

import ferry.balancer.Frontend;
import ferry.balancer.PoolMember;
import ferry.balancer.Pools;
import ferry.balancer.health.HealthChecker;
import ferry.cluster.ClusterNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Ferry's own series ({@code ferry_*}) in the node's Micrometer registry, next to Vert.x's. Every meter reads an
 * existing counter when scraped (gauges and function counters), so the data path counts exactly as before.
 *
 * <p>Frontends and servers come and go, so {@link #refresh()} re-registers the set of meters just before each
 * scrape: a frontend's meters look it up by name, a server's rows are rebuilt from the current pool snapshot.
 */
final class FerryMetrics {
  private final MeterRegistry registry;
  private final Supplier<Map<String, Frontend>> frontends;
  private final Pools pools;
  private final Map<String, List<Meter>> frontendMeters = new HashMap<>();
  private final MultiGauge serverActive;
  private final MultiGauge serverUp;
  private final MultiGauge serverWeight;
  private final MultiGauge serverHealthy;
  private final MultiGauge checkLatency;
  private final HealthChecker health;

  FerryMetrics(MeterRegistry registry, Supplier<Map<String, Frontend>> frontends, Pools pools, HealthChecker health) {
    this.health = health;
    this.serverHealthy = MultiGauge.builder("ferry.server.health.up")
        .description("1 when this balancer's health checks find the server answering, 0 when they have it down")
        .register(registry);
    this.checkLatency = MultiGauge.builder("ferry.server.health.check.latency")
        .description("Duration of the last health probe of the server").baseUnit("milliseconds").register(registry);
    this.registry = registry;
    this.frontends = frontends;
    this.pools = pools;
    this.serverActive = MultiGauge.builder("ferry.server.active.connections")
        .description("Connections this balancer has open to the server").register(registry);
    this.serverUp = MultiGauge.builder("ferry.server.up")
        .description("1 when the server takes new connections (state up), else 0 (down, draining)").register(registry);
    this.serverWeight = MultiGauge.builder("ferry.server.weight")
        .description("The server's effective weight (an operator's override, else the announced one)").register(registry);
  }

  /** {@code ferry_cluster_members}: every node has it, balancer or server. */
  static void registerNode(MeterRegistry registry, ClusterNode node) {
    Gauge.builder("ferry.cluster.members", node, n -> n.hazelcast().getCluster().getMembers().size())
        .description("Members of the Hazelcast cluster as this node sees it").strongReference(true).register(registry);
  }

  /** Brings the registered meters in line with the current frontends and pools; called before each scrape. */
  synchronized void refresh() {
    Map<String, Frontend> now = frontends.get();
    now.keySet().forEach(name -> frontendMeters.computeIfAbsent(name, this::registerFrontend));
    frontendMeters.entrySet().removeIf(e -> {
      if (now.containsKey(e.getKey())) {
        return false;
      }
      e.getValue().forEach(registry::remove);
      return true;
    });
    List<MultiGauge.Row<?>> active = new ArrayList<>();
    List<MultiGauge.Row<?>> up = new ArrayList<>();
    List<MultiGauge.Row<?>> weight = new ArrayList<>();
    List<MultiGauge.Row<?>> healthy = new ArrayList<>();
    List<MultiGauge.Row<?>> latency = new ArrayList<>();
    for (String pool : pools.names()) {
      for (PoolMember m : pools.all(pool)) {
        Tags tags = Tags.of("pool", pool, "node", m.node(), "service", m.service());
        active.add(MultiGauge.Row.of(tags, m, PoolMember::active));
        up.add(MultiGauge.Row.of(tags, m, s -> "up".equals(s.state()) ? 1 : 0));
        weight.add(MultiGauge.Row.of(tags, m, PoolMember::weight));
        healthy.add(MultiGauge.Row.of(tags, m, s -> pools.isDown(s) ? 0 : 1));
        latency.add(MultiGauge.Row.of(tags, m, health::lastProbeMillis));
      }
    }
    serverActive.register(active, true);
    serverUp.register(up, true);
    serverWeight.register(weight, true);
    serverHealthy.register(healthy, true);
    checkLatency.register(latency, true);
  }

  private List<Meter> registerFrontend(String name) {
    Tags tags = Tags.of("frontend", name);
    return List.of(
        Gauge.builder("ferry.frontend.active.connections", this, m -> m.read(name, Frontend::activeConnections))
            .description("Client connections open now").tags(tags).register(registry),
        counter("ferry.frontend.connections", "Client connections accepted", tags, name, Frontend::totalConnections),
        counter("ferry.frontend.connect.failures", "Failed connects to servers (each retry counts)", tags, name,
            Frontend::connectFailures),
        bytes("in", tags, name, Frontend::bytesIn),
        bytes("out", tags, name, Frontend::bytesOut),
        counter("ferry.frontend.rejected",
            "Connections closed because a queue was full (frontend maxconn or every server's, and maxqueue)", tags, name,
            Frontend::rejected),
        counter("ferry.frontend.queue.timeouts", "Connections closed after queueTimeoutMs in a queue", tags, name,
            Frontend::queueTimeouts),
        Gauge.builder("ferry.frontend.queued", this, m -> m.read(name, Frontend::queued))
            .description("Connections waiting now, for a frontend slot or a server with room").tags(tags)
            .register(registry),
        Gauge.builder("ferry.frontend.pending.bytes", this, m -> m.read(name, Frontend::pendingBytes))
            .description("tcp mode: bytes read from one side and not yet written to the other, over all sessions")
            .baseUnit("bytes").tags(tags).register(registry),
        counter("ferry.frontend.requests", "Message mode: requests sent to servers (once each, however retried)", tags,
            name, Frontend::requests),
        counter("ferry.frontend.request.retries", "Message mode: requests sent again after a failure, timeout or departure",
            tags, name, Frontend::retries),
        counter("ferry.frontend.request.failures", "Message mode: requests no server answered within their attempts",
            tags, name, Frontend::failedRequests),
        Gauge.builder("ferry.frontend.held.frames", this, m -> m.read(name, Frontend::heldFrames))
            .description("Message mode: frames held in the balancer now").tags(tags).register(registry));
  }

  private Meter counter(String meter, String description, Tags tags, String frontend, ToLongFunction<Frontend> value) {
    return FunctionCounter.builder(meter, this, m -> m.read(frontend, value))
        .description(description).tags(tags).register(registry);
  }

  /** One series name for both directions (Prometheus wants one description per name). */
  private Meter bytes(String direction, Tags tags, String frontend, ToLongFunction<Frontend> value) {
    return FunctionCounter.builder("ferry.frontend.bytes", this, m -> m.read(frontend, value))
        .description("Bytes relayed: in from clients, out to clients; counted when a connection closes").baseUnit("bytes").tags(tags.and("direction", direction)).register(registry);
  }

  /** The frontend's current value; a frontend that has just gone reads 0 until the next refresh removes it. */
  private double read(String frontend, ToLongFunction<Frontend> value) {
    Frontend f = frontends.get().get(frontend);
    return f == null ? 0 : value.applyAsLong(f);
  }
}
