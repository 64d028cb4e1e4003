package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices: two distinct servers at random, the less loaded wins. Nearly as even as leastconn,
 * without every balancer piling onto the same "least" server at once.
 */
final class PowerOfTwo implements Algorithm {
  private final ToIntFunction<PoolMember> load;

  PowerOfTwo(ToIntFunction<PoolMember> load) {
    this.load = load;
  }


  @Override
  public PoolMember pick(List<PoolMember> servers, Set<PoolMember> tried, InetAddress client) {
    List<PoolMember> left = tried.isEmpty() ? servers : untried(servers, tried);
    int n = left.size();
    if (n <= 1) {
      return n == 0 ? null : left.get(0);
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int i = random.nextInt(n);
    int j = random.nextInt(n - 1);
    if (j >= i) {
      j++;
    }
    PoolMember a = left.get(i);
    PoolMember b = left.get(j);
    return Algorithm.lessLoaded(b, a, load) ? b : a;
  }

  private static List<PoolMember> untried(List<PoolMember> servers, Set<PoolMember> tried) {
    List<PoolMember> left = new ArrayList<>(servers.size());
    for (PoolMember m : servers) {
      if (!tried.contains(m)) {
        left.add(m);
      }
    }
    return left;
  }
}
