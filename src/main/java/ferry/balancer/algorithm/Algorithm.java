package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

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

  /** The algorithm a frontend names in its {@code algorithm} key. */
  static Algorithm named(String name) {
    return switch (name) {
      case "roundrobin" -> new RoundRobin();
      case "leastconn" -> new LeastConn();
      case "p2c" -> new PowerOfTwo();
      case "hash" -> new ConsistentHash();
      case "random" -> new RandomChoice();
      default -> throw new IllegalArgumentException("unknown algorithm " + name);
    };
  }

  /** Load of a server relative to its weight: the one with the lowest value should get the next connection. */
  static boolean lessLoaded(PoolMember a, PoolMember b) {
    // (active+1)/weight compared without division; weights are > 0 for usable servers.
    return (long) (a.active() + 1) * b.weight() < (long) (b.active() + 1) * a.weight();
  }
}
