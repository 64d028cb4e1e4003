package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Consistent hashing on the client's IP address: a ring with {@value #POINTS_PER_WEIGHT} points per unit of
 * weight for each server (Vert.x's own ring has 4, which spreads keys unevenly). When one of N servers goes,
 * only the clients it had move, about 1/N of them; the others keep their server. A retry walks on along the ring.
 */
final class ConsistentHash implements Algorithm {
  static final int POINTS_PER_WEIGHT = 160;

  private record Ring(List<PoolMember> servers, long[] points, PoolMember[] owners) {
  }

  private volatile Ring ring;

  @Override
  public PoolMember pick(List<PoolMember> servers, Set<PoolMember> tried, InetAddress client) {
    Ring r = ring;
    if (r == null || r.servers != servers) {
      r = build(servers);
      ring = r;
    }
    int n = r.points.length;
    int i = Arrays.binarySearch(r.points, hash(client.getAddress()));
    if (i < 0) {
      i = -i - 1;
    }
    for (int step = 0; step < n; step++) {
      PoolMember m = r.owners[(i + step) % n];
      if (!tried.contains(m)) {
        return m;
      }
    }
    return null;
  }

  private static Ring build(List<PoolMember> servers) {
    int total = servers.stream().mapToInt(m -> m.weight() * POINTS_PER_WEIGHT).sum();
    long[] keys = new long[total];
    PoolMember[] who = new PoolMember[total];
    int k = 0;
    for (PoolMember m : servers) {
      // Points derive from the node and service, not the address: a restarted server on a new port keeps its arc.
      String id = m.node() + "/" + m.service();
      for (int p = 0; p < m.weight() * POINTS_PER_WEIGHT; p++) {
        keys[k] = hash((id + "#" + p).getBytes(StandardCharsets.UTF_8));
        who[k] = m;
        k++;
      }
    }
    Integer[] order = new Integer[total];
    for (int i = 0; i < total; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
    long[] points = new long[total];
    PoolMember[] owners = new PoolMember[total];
    for (int i = 0; i < total; i++) {
      points[i] = keys[order[i]];
      owners[i] = who[order[i]];
    }
    return new Ring(servers, points, owners);
  }

  /** FNV-1a, then the SplitMix64 finalizer so that nearby inputs (203.0.113.1, 203.0.113.2) land far apart. */
  static long hash(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return h;
  }
}
