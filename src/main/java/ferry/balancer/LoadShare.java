package ferry.balancer;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import ferry.cluster.ClusterNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What balancers share: per-server connection counts, so that leastconn and p2c on several balancers see one load
 * rather than each its own share of it, and each balancer's health view. Every {@value #PERIOD_MS} ms each
 * balancer puts both (when they changed) into the Hazelcast map {@value #MAP} under its node id, and applies the
 * sum of the other live balancers' counts to its pool members ({@link PoolMember#others()}). Counts are at most a
 * period old: enough to steer new connections, never on the byte path. The health view lets a balancer that
 * starts (or restarts) begin with the servers others see down out of rotation, instead of finding out on its own
 * clients; after that its own checks decide, so one balancer's broken link cannot take servers away from all.
 */
final class LoadShare implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
    EntryRemovedListener<String, String> {
  static final String MAP = "ferry.load";
  static final long PERIOD_MS = 100;

  private final ClusterNode node;
  private final Context context;
  private final Pools pools;
  private final Supplier<Set<String>> liveBalancers;
  private final IMap<String, String> map;
  private final Map<String, Map<String, Integer>> byBalancer = new HashMap<>(); // on the context only
  private final Map<String, Set<String>> downByBalancer = new HashMap<>(); // on the context only
  private final Supplier<Set<String>> myDown;
  private JsonObject lastPublished = new JsonObject();
  private long timer = -1;

  LoadShare(ClusterNode node, Context context, Pools pools, Supplier<Set<String>> liveBalancers,
            Supplier<Set<String>> myDown) {
    this.myDown = myDown;
    this.node = node;
    this.context = context;
    this.pools = pools;
    this.liveBalancers = liveBalancers;
    this.map = node.hazelcast().getMap(MAP);
  }

  /** Completes once what the others published is read, so health checks can start from it. */
  Future<Void> start() {
    map.addEntryListener(this, true);
    // What the others published before this balancer listened (they publish again only on a change).
    // An entry event that came meanwhile is newer than this read: the read only fills what is missing.
    return context.executeBlocking(() -> Map.copyOf(map)).map(entries -> {
      entries.forEach((balancer, json) -> {
        JsonObject j = new JsonObject(json);
        byBalancer.putIfAbsent(balancer, counts(j));
        downByBalancer.putIfAbsent(balancer, down(j));
      });
      timer = node.vertx().setPeriodic(PERIOD_MS, t -> tick());
      return null;
    });
  }

  /** Servers (member keys) that some other live balancer sees down now. */
  Set<String> downElsewhere() {
    Set<String> live = liveBalancers.get();
    Set<String> out = new java.util.HashSet<>();
    downByBalancer.forEach((balancer, keys) -> {
      if (!balancer.equals(node.nodeId()) && live.contains(balancer)) {
        out.addAll(keys);
      }
    });
    return out;
  }

  void stop() {
    if (timer >= 0) {
      node.vertx().cancelTimer(timer);
    }
    if (node.hazelcast().getLifecycleService().isRunning()) {
      map.removeAsync(node.nodeId());
    }
  }

  private void tick() {
    if (!node.hazelcast().getLifecycleService().isRunning()) {
      node.vertx().cancelTimer(timer); // the node is leaving: nothing left to share
      return;
    }
    Map<String, Integer> mine = new HashMap<>();
    for (String pool : pools.names()) {
      for (PoolMember m : pools.all(pool)) {
        if (m.active() > 0) {
          mine.put(m.key(), m.active());
        }
      }
    }
    JsonObject now = new JsonObject().put("counts", new JsonObject(new HashMap<>(mine)))
        .put("down", new io.vertx.core.json.JsonArray(new java.util.ArrayList<>(new java.util.TreeSet<>(myDown.get()))));
    if (!now.equals(lastPublished)) {
      lastPublished = now;
      map.setAsync(node.nodeId(), now.encode());
    }
    Set<String> live = liveBalancers.get();
    Map<String, Integer> others = new HashMap<>();
    byBalancer.forEach((balancer, counts) -> {
      if (!balancer.equals(node.nodeId()) && live.contains(balancer)) {
        counts.forEach((key, n) -> others.merge(key, n, Integer::sum));
      }
    });
    for (String pool : pools.names()) {
      List<PoolMember> members = pools.all(pool);
      for (PoolMember m : members) {
        m.setOthers(others.getOrDefault(m.key(), 0));
      }
    }
  }

  @Override
  public void entryAdded(EntryEvent<String, String> e) {
    update(e.getKey(), e.getValue());
  }

  @Override
  public void entryUpdated(EntryEvent<String, String> e) {
    update(e.getKey(), e.getValue());
  }

  @Override
  public void entryRemoved(EntryEvent<String, String> e) {
    context.runOnContext(v -> {
      byBalancer.remove(e.getKey());
      downByBalancer.remove(e.getKey());
    });
  }

  private void update(String balancer, String json) {
    JsonObject j = new JsonObject(json);
    Map<String, Integer> counts = counts(j);
    Set<String> down = down(j);
    context.runOnContext(v -> {
      byBalancer.put(balancer, counts);
      downByBalancer.put(balancer, down);
    });
  }

  private static Map<String, Integer> counts(JsonObject j) {
    Map<String, Integer> counts = new HashMap<>();
    j.getJsonObject("counts", new JsonObject()).forEach(en -> counts.put(en.getKey(), ((Number) en.getValue()).intValue()));
    return counts;
  }

  private static Set<String> down(JsonObject j) {
    Set<String> keys = new java.util.HashSet<>();
    j.getJsonArray("down", new io.vertx.core.json.JsonArray()).forEach(k -> keys.add(String.valueOf(k)));
    return keys;
  }
}
