package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** A server at random, in proportion to its weight. */
final class RandomChoice implements Algorithm {

  @Override
  public PoolMember pick(List<PoolMember> servers, Set<PoolMember> tried, InetAddress client) {
    long total = 0;
    for (PoolMember m : servers) {
      if (!tried.contains(m)) {
        total += m.weight();
      }
    }
    if (total == 0) {
      return null;
    }
    long r = ThreadLocalRandom.current().nextLong(total);
    for (PoolMember m : servers) {
      if (!tried.contains(m)) {
        r -= m.weight();
        if (r < 0) {
          return m;
        }
      }
    }
    throw new AssertionError("unreachable");
  }
}
