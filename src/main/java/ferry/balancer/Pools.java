package ferry.balancer;

import ferry.cluster.Announcement;
import ferry.cluster.NodeOverride;
import ferry.config.FrontendConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Every pool's servers, rebuilt from the registry's live announcements and the operators' overrides (a drained
 * node's services count as {@code draining}, an override weight replaces the announced one). Readers on any event loop get an
 * immutable snapshot through one volatile read; the list of a pool keeps its identity until the pool changes,
 * so algorithms may cache what they derive from it (the hash ring).
 */
public final class Pools {
  private volatile Map<String, List<PoolMember>> all = Map.of();
  private volatile Map<String, List<PoolMember>> usable = Map.of();
  private volatile Map<String, List<PoolMember>> messaging = Map.of();
  private final List<Consumer<PoolMember>> departures = new CopyOnWriteArrayList<>();
  // The inputs of rebuild(), written and read on the registry's context only.
  private List<Announcement> announced = List.of();
  private Map<String, NodeOverride> overrides = Map.of();
  private Set<String> down = Set.of();
  private Consumer<Map<String, List<PoolMember>>> rebuilt = all -> { };

  /**
   * Calls {@code listener} (on the registry's context) for each server that leaves the cluster view, so that
   * requests still waiting on it can be sent elsewhere at once rather than when they time out.
   */
  public Runnable onDeparture(Consumer<PoolMember> listener) {
    departures.add(listener);
    return () -> departures.remove(listener);
  }

  /**
   * Servers of {@code pool} that may take new TCP connections: a TCP address, state {@code up} and weight above
   * 0, sorted.
   */
  public List<PoolMember> usable(String pool) {
    return usable.getOrDefault(pool, List.of());
  }

  /** Servers of {@code pool} that may take new message-mode requests: an event-bus address, up, weight above 0. */
  public List<PoolMember> messaging(String pool) {
    return messaging.getOrDefault(pool, List.of());
  }

  /** The servers {@code frontend} may pick now: event-bus addresses for message mode, TCP addresses for tcp. */
  public List<PoolMember> forFrontend(FrontendConfig frontend) {
    return frontend.isMessage() ? messaging(frontend.pool()) : usable(frontend.pool());
  }

  /** Every announced server of {@code pool}, whatever its state. */
  public List<PoolMember> all(String pool) {
    return all.getOrDefault(pool, List.of());
  }

  /** Called on one context only (the registry watcher's). */
  void update(List<Announcement> live) {
    announced = live;
    rebuild();
  }

  /** Servers this balancer's health checks find down (by member key); called on the same context. */
  void down(Set<String> keys) {
    down = keys;
    rebuild();
  }

  /** Called after every rebuild with every pool's servers, so health checks can follow them. */
  void onRebuild(Consumer<Map<String, List<PoolMember>>> listener) {
    rebuilt = listener;
  }

  /** Member keys this balancer's health checks have out of rotation. */
  Set<String> downKeys() {
    return down;
  }

  /** Whether this balancer's health checks have {@code m} out of rotation. */
  public boolean isDown(PoolMember m) {
    return down.contains(m.key());
  }

  /** The operators' cluster-wide overrides by node name; called on the same context as {@link #update}. */
  void overrides(Map<String, NodeOverride> next) {
    overrides = next;
    rebuild();
  }

  /** Names of every pool some live server announces. */
  public Set<String> names() {
    return all.keySet();
  }

  private void rebuild() {
    List<Announcement> live = announced;
    Map<String, PoolMember> previous = new HashMap<>();
    all.values().forEach(list -> list.forEach(m -> previous.put(m.key(), m)));
    Map<String, List<PoolMember>> nextAll = new HashMap<>();
    for (Announcement a : live) {
      NodeOverride override = overrides.get(a.node());
      for (Announcement.Endpoint raw : a.services()) {
        Announcement.Endpoint e = effective(raw, override);
        PoolMember old = previous.get(PoolMember.key(a.nodeId(), e.service()));
        PoolMember m;
        if (old == null) {
          m = new PoolMember(a.nodeId(), a.node(), e);
        } else if (old.sameAs(e)) {
          m = old;
        } else {
          m = old.sameCounter(e);
        }
        previous.remove(m.key());
        nextAll.computeIfAbsent(e.pool(), p -> new ArrayList<>()).add(m);
      }
    }
    nextAll.values().forEach(members ->
        members.sort(Comparator.comparing(PoolMember::node).thenComparing(PoolMember::service)));
    nextAll.replaceAll((pool, members) -> List.copyOf(members));
    all = Map.copyOf(nextAll);
    Set<String> out = down;
    usable = select(nextAll, usable, m -> m.hasTcp() && !out.contains(m.key()));
    messaging = select(nextAll, messaging, m -> m.bus() != null && !out.contains(m.key()));
    // Whatever was not announced again has left.
    previous.values().forEach(m -> departures.forEach(listener -> listener.accept(m)));
    rebuilt.accept(all);
  }

  /**
   * The endpoint as this balancer uses it: an operator's drain wins over the announced state, an operator's weight
   * over the announced weight. Whatever else the node announced is kept.
   */
  private static Announcement.Endpoint effective(Announcement.Endpoint e, NodeOverride o) {
    if (o == null || o.isEmpty()) {
      return e;
    }
    String state = o.draining() ? NodeOverride.DRAINING : e.state();
    int weight = o.weight() != null ? o.weight() : e.weight();
    return e.withWeightAndState(weight, state);
  }

  private static Map<String, List<PoolMember>> select(Map<String, List<PoolMember>> all,
                                                      Map<String, List<PoolMember>> before,
                                                      Predicate<PoolMember> reachable) {
    Map<String, List<PoolMember>> next = new HashMap<>();
    all.forEach((pool, members) -> {
      List<PoolMember> up = members.stream()
          .filter(m -> reachable.test(m) && m.state().equals("up") && m.weight() > 0).toList();
      List<PoolMember> old = before.get(pool);
      next.put(pool, up.equals(old) ? old : up); // an unchanged pool keeps its list identity
    });
    return Map.copyOf(next);
  }
}
