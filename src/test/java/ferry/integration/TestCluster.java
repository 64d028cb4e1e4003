package ferry.integration;

import ferry.TestPorts;
import ferry.balancer.Balancer;
import ferry.config.ConfigLoader;
import ferry.config.ConfigSource;
import ferry.server.Server;
import io.vertx.core.Future;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Real clustered nodes in this JVM: each node is its own Vert.x and Hazelcast instance, on loopback, in a
 * cluster whose name is unique to the test so that nothing else can join it.
 */
final class TestCluster implements AutoCloseable {
  static final int CLUSTER_PORT = 5901;
  private final String name = "ferry-test-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<Object> nodes = new ArrayList<>();

  List<String> clusterSets() {
    return List.of("cluster.name=" + name, "cluster.port=" + CLUSTER_PORT,
        "cluster.members=[\"127.0.0.1:" + CLUSTER_PORT + "-" + (CLUSTER_PORT + 9) + "\"]");
  }

  Server server(String nodeName, String... sets) {
    List<String> all = new ArrayList<>(clusterSets());
    all.add("node.name=" + nodeName);
    all.add("node.eventLoops=1");
    all.addAll(Arrays.asList(sets));
    Server s = await(Server.start(ConfigLoader.load("server", null, all)));
    nodes.add(s);
    return s;
  }

  /** A balancer whose default frontends (echo, whoami, lines) listen on free ports, plus any extra settings. */
  Balancer balancer(String nodeName, String... sets) {
    List<String> all = new ArrayList<>(clusterSets());
    all.add("node.name=" + nodeName);
    all.add("node.eventLoops=2");
    all.add("admin.port=" + TestPorts.free()); // several balancers in one JVM: never the default 9090
    all.add("frontends.echo.port=" + TestPorts.free());
    all.add("frontends.whoami.port=" + TestPorts.free());
    all.add("frontends.lines.port=" + TestPorts.free());
    // Many nodes share this JVM and a loaded 2-core machine: a probe may wait past the 500 ms default without any
    // server being hung. Tests that want a server down make it so (a dead port, a mute socket), not by load.
    all.add("health.timeout=1000");
    all.add("health.fall=3");
    all.addAll(Arrays.asList(sets));
    Balancer b = await(Balancer.start(ConfigLoader.load("balancer", null, all)));
    nodes.add(b);
    return b;
  }

  /**
   * A balancer started the way {@code --role balancer --config FILE --set ...} starts one: from {@code file}, with
   * this cluster's settings and {@code sets} as the --sets (applied again on every reload), admin on a free port.
   */
  Balancer balancerFromFile(String nodeName, Path file, String... sets) {
    List<String> all = new ArrayList<>(clusterSets());
    all.add("node.name=" + nodeName);
    all.add("node.eventLoops=2");
    all.add("admin.port=" + TestPorts.free());
    all.addAll(Arrays.asList(sets));
    ConfigSource source = new ConfigSource("balancer", file, all);
    Balancer b = await(Balancer.start(source.load(), source));
    nodes.add(b);
    return b;
  }

  void stop(Object node) {
    nodes.remove(node);
    await(node instanceof Server s ? s.close() : ((Balancer) node).close());
  }

  @Override
  public void close() {
    List<Object> reversed = new ArrayList<>(nodes);
    java.util.Collections.reverse(reversed);
    for (Object n : reversed) {
      try {
        stop(n);
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("node did not start or stop: " + e, e);
    }
  }

  /** Polls {@code condition} every 20 ms until it holds or {@code limit} passes. */
  static void eventually(Duration limit, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit + ": " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /**
   * Waits until {@code progress} has not moved for {@code quiet} (checked as {@link #eventually} polls), within
   * {@code limit}: how a test sees a writer stall under backpressure, an absence of events rather than one.
   */
  static void awaitStalled(LongSupplier progress, Duration quiet, Duration limit, String what) {
    long[] last = {Long.MIN_VALUE, System.nanoTime()}; // value, when it last changed
    eventually(limit, what, () -> {
      long now = progress.getAsLong();
      if (now != last[0]) {
        last[0] = now;
        last[1] = System.nanoTime();
      }
      return System.nanoTime() - last[1] >= quiet.toNanos();
    });
  }
}
