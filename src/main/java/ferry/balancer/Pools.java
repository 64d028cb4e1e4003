package ferry.balancer;

import ferry.cluster.Announcement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every pool's servers, rebuilt from the registry's live announcements. Readers on any event loop get an
 * immutable snapshot through one volatile read; the list of a pool keeps its identity until the pool changes,
 * so algorithms may cache what they derive from it (the hash ring).
 */
public final class Pools {
  private volatile Map<String, List<PoolMember>> all = Map.of();
  private volatile Map<String, List<PoolMember>> usable = Map.of();

  /** Servers of {@code pool} that may take new connections: state {@code up} and weight above 0, sorted. */
  public List<PoolMember> usable(String pool) {
    return usable.getOrDefault(pool, List.of());
  }

  /** Every announced server of {@code pool}, whatever its state. */
  public List<PoolMember> all(String pool) {
    return all.getOrDefault(pool, List.of());
  }

  /** Called on one context only (the registry watcher's). */
  void update(List<Announcement> live) {
    Map<String, PoolMember> previous = new HashMap<>();
    all.values().forEach(list -> list.forEach(m -> previous.put(m.key(), m)));
    Map<String, List<PoolMember>> nextAll = new HashMap<>();
    for (Announcement a : live) {
      for (Announcement.Endpoint e : a.services()) {
        PoolMember old = previous.get(a.nodeId() + "/" + e.service());
        PoolMember m;
        if (old == null) {
          m = new PoolMember(a.nodeId(), a.node(), e.service(), e.host(), e.port(), e.weight(), e.state());
        } else if (old.sameAs(e.host(), e.port(), e.weight(), e.state())) {
          m = old;
        } else {
          m = old.sameCounter(e.host(), e.port(), e.weight(), e.state());
        }
        nextAll.computeIfAbsent(e.pool(), p -> new ArrayList<>()).add(m);
      }
    }
    Map<String, List<PoolMember>> nextUsable = new HashMap<>();
    Map<String, List<PoolMember>> oldUsable = usable;
    nextAll.forEach((pool, members) -> {
      members.sort(Comparator.comparing(PoolMember::node).thenComparing(PoolMember::service));
      List<PoolMember> up = members.stream().filter(m -> m.state().equals("up") && m.weight() > 0).toList();
      List<PoolMember> before = oldUsable.get(pool);
      nextUsable.put(pool, up.equals(before) ? before : up); // unchanged pool keeps its list identity
    });
    nextAll.replaceAll((pool, members) -> List.copyOf(members));
    all = Map.copyOf(nextAll);
    usable = Map.copyOf(nextUsable);
  }
}
