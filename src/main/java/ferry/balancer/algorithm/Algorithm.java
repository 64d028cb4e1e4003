package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Chooses the server for a new connection. One instance serves one frontend and is called from every event loop
 * of the balancer, once per connection attempt (never per byte).
 */
public interface Algorithm {

  /**
   * @param servers the pool's usable servers (non-empty, sorted, the same list object until the pool changes)
   * @param tried   servers already tried for this connection (a retry must pick another one)
   * @param client  the client's address
   * @return a server of {@code servers} not in {@code tried}, or null if none is left
   */
  PoolMember pick(List<PoolMember> servers, Set<PoolMember> tried, InetAddress client);

  /** The algorithm a frontend names in its {@code algorithm} key, counting connections cluster-wide. */
  static Algorithm named(String name) {
    return named(name, true);
  }

  /**
   * @param clusterWide leastconn and p2c compare every balancer's connections ({@code scope: cluster}), or only
   *                    this balancer's ({@code scope: local})
   */
  static Algorithm named(String name, boolean clusterWide) {
    ToIntFunction<PoolMember> load = clusterWide ? PoolMember::clusterActive : PoolMember::active;
    return switch (name) {
      case "roundrobin" -> new RoundRobin();
      case "leastconn" -> new LeastConn(load);
      case "p2c" -> new PowerOfTwo(load);
      case "hash" -> new ConsistentHash();
      case "random" -> new RandomChoice();
      default -> throw new IllegalArgumentException("unknown algorithm " + name);
    };
  }

  /** Load of a server relative to its weight: the one with the lowest value should get the next connection. */
  static boolean lessLoaded(PoolMember a, PoolMember b, ToIntFunction<PoolMember> load) {
    // (active+1)/weight compared without division; weights are > 0 for usable servers.
    return (long) (load.applyAsInt(a) + 1) * b.weight() < (long) (load.applyAsInt(b) + 1) * a.weight();
  }
}
