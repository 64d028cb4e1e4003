package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;
import ferry.balancer.TestMembers;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static ferry.balancer.algorithm.Picks.ipv4;
import static org.assertj.core.api.Assertions.assertThat;

/** Hashing is deterministic and the client addresses come from a seeded generator: these results are fixed. */
class ConsistentHashTest {

  private final Algorithm hash = Algorithm.named("hash");

  private static List<PoolMember> servers(int n) {
    String[] names = new String[n];
    int[] weights = new int[n];
    for (int i = 0; i < n; i++) {
      names[i] = "server-" + (i + 1);
      weights[i] = 1;
    }
    return TestMembers.members(names, weights);
  }

  private Map<InetAddress, PoolMember> assign(Algorithm a, List<PoolMember> servers, List<InetAddress> clients) {
    Map<InetAddress, PoolMember> out = new java.util.LinkedHashMap<>();
    for (InetAddress c : clients) {
      PoolMember m = a.pick(servers, Set.of(), c);
      assertThat(m).isNotNull();
      out.put(c, m);
    }
    return out;
  }

  private static Map<PoolMember, Integer> perServer(List<PoolMember> servers, Map<InetAddress, PoolMember> assignment) {
    Map<PoolMember, Integer> counts = new IdentityHashMap<>();
    servers.forEach(m -> counts.put(m, 0));
    assignment.values().forEach(m -> counts.merge(m, 1, Integer::sum));
    return counts;
  }

  @Test
  void namedGivesConsistentHash() {
    assertThat(hash).isInstanceOf(ConsistentHash.class);
  }

  @Test
  void sameClientSameServer() {
    List<PoolMember> s = servers(5);
    for (InetAddress client : Picks.randomIpv4(7, 50)) {
      PoolMember first = hash.pick(s, Set.of(), client);
      for (int i = 0; i < 20; i++) {
        assertThat(hash.pick(s, Set.of(), client)).isSameAs(first);
      }
      // another instance (another frontend, another balancer) agrees
      assertThat(new ConsistentHash().pick(s, Set.of(), client)).isSameAs(first);
      // a new list object with the same members (the ring is rebuilt) agrees
      assertThat(hash.pick(new ArrayList<>(s), Set.of(), client)).isSameAs(first);
    }
  }

  @Test
  void ipv6ClientsWork() throws Exception {
    List<PoolMember> s = servers(3);
    InetAddress v6 = InetAddress.getByName("::1"); // a literal: no lookup
    PoolMember m = hash.pick(s, Set.of(), v6);
    assertThat(m).isIn(s);
    assertThat(hash.pick(s, Set.of(), v6)).isSameAs(m);
  }

  @Test
  void nearbyAddressesSpread() {
    List<PoolMember> s = servers(5);
    Set<PoolMember> used = new HashSet<>();
    for (int d = 1; d <= 50; d++) {
      used.add(hash.pick(s, Set.of(), ipv4(203, 0, 113, d)));
    }
    assertThat(used).hasSize(5);
  }

  @Test
  void randomClientsSpreadEvenly() {
    List<PoolMember> s = servers(5);
    Map<PoolMember, Integer> c = perServer(s, assign(hash, s, Picks.randomIpv4(42, 10_000)));
    for (PoolMember m : s) {
      assertThat(100.0 * c.get(m) / 10_000).as("share of %s", m).isBetween(15.0, 25.0);
    }
  }

  @Test
  void removingAServerMovesOnlyItsClients() {
    List<PoolMember> s = servers(5);
    List<InetAddress> clients = Picks.randomIpv4(4242, 10_000);
    Map<InetAddress, PoolMember> before = assign(hash, s, clients);

    PoolMember gone = s.get(2);
    List<PoolMember> fewer = new ArrayList<>(s);
    fewer.remove(gone);
    fewer = List.copyOf(fewer);
    Map<InetAddress, PoolMember> after = assign(hash, fewer, clients);

    int moved = 0;
    for (InetAddress c : clients) {
      if (before.get(c) == gone) {
        assertThat(after.get(c)).as("client %s of the removed server", c).isNotSameAs(gone).isIn(fewer);
        moved++;
      } else {
        assertThat(after.get(c)).as("client %s must keep its server", c).isSameAs(before.get(c));
      }
    }
    assertThat(100.0 * moved / clients.size()).isBetween(15.0, 25.0);

    // the server comes back: everyone returns to where they were
    assertThat(assign(hash, s, clients)).isEqualTo(before);
  }

  @Test
  void restartedServerOnANewPortKeepsItsArc() {
    List<PoolMember> s = servers(5);
    List<InetAddress> clients = Picks.randomIpv4(99, 2_000);
    Map<InetAddress, PoolMember> before = assign(hash, s, clients);

    PoolMember old = s.get(1);
    PoolMember restarted = TestMembers.member(old.node(), old.service(), old.weight()); // same node and service, new port
    assertThat(restarted.address()).isNotEqualTo(old.address());
    List<PoolMember> next = new ArrayList<>(s);
    next.set(1, restarted);
    Map<InetAddress, PoolMember> after = assign(hash, List.copyOf(next), clients);
    for (InetAddress c : clients) {
      assertThat(after.get(c)).isSameAs(before.get(c) == old ? restarted : before.get(c));
    }
  }

  @Test
  void weightsScaleTheShare() {
    List<PoolMember> s = TestMembers.members(new String[] {"heavy", "light-1", "light-2"}, 2, 1, 1);
    Map<PoolMember, Integer> c = perServer(s, assign(hash, s, Picks.randomIpv4(1234, 10_000)));
    assertThat(100.0 * c.get(s.get(0)) / 10_000).isBetween(44.0, 56.0);
  }

  @Test
  void retryGoesToAnotherServer() {
    List<PoolMember> s = servers(5);
    for (InetAddress client : Picks.randomIpv4(5, 200)) {
      PoolMember first = hash.pick(s, Set.of(), client);
      PoolMember second = hash.pick(s, Set.of(first), client);
      assertThat(second).isNotNull().isNotSameAs(first).isIn(s);
      // deterministic too
      assertThat(hash.pick(s, Set.of(first), client)).isSameAs(second);
      PoolMember third = hash.pick(s, Set.of(first, second), client);
      assertThat(third).isNotNull().isNotIn(first, second);
    }
  }

  @Test
  void retryWithAllButOneTriedGivesThatOne() {
    List<PoolMember> s = servers(4);
    InetAddress client = ipv4(198, 51, 100, 7);
    for (PoolMember left : s) {
      Set<PoolMember> tried = new HashSet<>(s);
      tried.remove(left);
      assertThat(hash.pick(s, tried, client)).isSameAs(left);
    }
  }

  @Test
  void allTriedGivesNull() {
    List<PoolMember> s = servers(3);
    assertThat(hash.pick(s, Set.copyOf(s), ipv4(10, 0, 0, 1))).isNull();
  }
}
