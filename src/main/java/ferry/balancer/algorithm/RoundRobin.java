package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Smooth weighted round robin, as in nginx: each pick adds every server's weight to its running score, takes the
 * highest and subtracts the total from it. Weights 5,1,1 give a,a,b,a,c,a,a rather than a,a,a,a,a,b,c.
 */
final class RoundRobin implements Algorithm {
  private final Map<PoolMember, int[]> score = new IdentityHashMap<>();
  private List<PoolMember> lastServers;

  // A monitor held for a few dozen instructions once per connection; the byte path takes no lock.
  @Override
  public synchronized PoolMember pick(List<PoolMember> servers, Set<PoolMember> tried, InetAddress client) {
    if (servers != lastServers) {
      score.keySet().retainAll(Set.copyOf(servers));
      lastServers = servers;
    }
    PoolMember best = null;
    int[] bestScore = null;
    int total = 0;
    for (PoolMember m : servers) {
      if (tried.contains(m)) {
        continue;
      }
      int[] s = score.computeIfAbsent(m, k -> new int[1]);
      s[0] += m.weight();
      total += m.weight();
      if (best == null || s[0] > bestScore[0]) {
        best = m;
        bestScore = s;
      }
    }
    if (best != null) {
      bestScore[0] -= total;
    }
    return best;
  }
}
