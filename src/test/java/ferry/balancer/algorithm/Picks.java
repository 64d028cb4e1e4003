package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Shared helpers of the algorithm tests. */
final class Picks {
  static final InetAddress CLIENT = ipv4(127, 0, 0, 1);

  private Picks() {
  }

  static InetAddress ipv4(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code n} distinct IPv4 addresses drawn from a seeded generator (no name lookups). */
  static List<InetAddress> randomIpv4(long seed, int n) {
    Random random = new Random(seed);
    java.util.LinkedHashSet<Integer> seen = new java.util.LinkedHashSet<>();
    while (seen.size() < n) {
      seen.add(random.nextInt());
    }
    List<InetAddress> out = new ArrayList<>(n);
    for (int v : seen) {
      out.add(ipv4(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
    }
    return out;
  }

  /** {@code n} picks in order, from the fixed client 127.0.0.1. */
  static List<PoolMember> sequence(Algorithm algorithm, List<PoolMember> servers, Set<PoolMember> tried, int n) {
    List<PoolMember> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(algorithm.pick(servers, tried, CLIENT));
    }
    return out;
  }

  /** How often each member was picked in {@code n} picks; every server of {@code servers} has an entry. */
  static Map<PoolMember, Integer> counts(Algorithm algorithm, List<PoolMember> servers, Set<PoolMember> tried, int n) {
    return count(servers, sequence(algorithm, servers, tried, n));
  }

  /** Counts of {@code picks}, with a 0 entry for every one of {@code servers} (identity keys: no equals). */
  static Map<PoolMember, Integer> count(List<PoolMember> servers, List<PoolMember> picks) {
    Map<PoolMember, Integer> counts = new LinkedHashMap<>();
    servers.forEach(m -> counts.put(m, 0));
    for (PoolMember m : picks) {
      if (m == null) {
        throw new AssertionError("pick returned null");
      }
      counts.merge(m, 1, Integer::sum);
    }
    return counts;
  }

  static double share(Map<PoolMember, Integer> counts, PoolMember m) {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    return 100.0 * counts.getOrDefault(m, 0) / total;
  }
}
