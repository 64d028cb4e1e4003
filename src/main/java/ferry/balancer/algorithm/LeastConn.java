package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.concurrent.atomic.AtomicInteger;

/** The server with the fewest active connections per unit of weight; ties go round, not always to the first. */
final class LeastConn implements Algorithm {
  private final ToIntFunction<PoolMember> load;

  LeastConn(ToIntFunction<PoolMember> load) {
    this.load = load;
  }

  private final AtomicInteger start = new AtomicInteger();

  @Override
  public PoolMember pick(List<PoolMember> servers, Set<PoolMember> tried, InetAddress client) {
    int n = servers.size();
    int offset = Math.floorMod(start.getAndIncrement(), n);
    PoolMember best = null;
    for (int i = 0; i < n; i++) {
      PoolMember m = servers.get((offset + i) % n);
      if (!tried.contains(m) && (best == null || Algorithm.lessLoaded(m, best, load))) {
        best = m;
      }
    }
    return best;
  }
}
