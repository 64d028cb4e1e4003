package ferry.balancer;

import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: builds {@link PoolMember}s and sets their active-connection count, which only code in
 * {@code ferry.balancer} may change ({@code acquire()}/{@code release()} are package-private).
 */
public final class TestMembers {
  private static int nextPort = 20000;

  private TestMembers() {
  }

  /** A member {@code name/echo} on node {@code name}, state up. */
  public static PoolMember member(String name, int weight) {
    return member(name, "echo", weight);
  }

  public static synchronized PoolMember member(String node, String service, int weight) {
    return new PoolMember("id-" + node, node, service, "127.0.0.1", nextPort++, weight, "up");
  }

  /** Members {@code names[i]} with {@code weights[i]}. */
  public static List<PoolMember> members(String[] names, int... weights) {
    if (names.length != weights.length) {
      throw new IllegalArgumentException("names and weights differ in length");
    }
    List<PoolMember> out = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      out.add(member(names[i], weights[i]));
    }
    return List.copyOf(out);
  }

  /** Sets the member's active count to {@code n} (>= 0). */
  public static void setActive(PoolMember m, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("active must be >= 0");
    }
    while (m.active() < n) {
      m.acquire();
    }
    while (m.active() > n) {
      m.release();
    }
  }

  /** One more active connection, as the frontend does when it connects to the picked server. */
  public static void acquire(PoolMember m) {
    m.acquire();
  }

  public static void release(PoolMember m) {
    m.release();
  }
}
