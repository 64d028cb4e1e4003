package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;
import ferry.balancer.TestMembers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static ferry.balancer.algorithm.Picks.CLIENT;
import static ferry.balancer.algorithm.Picks.counts;
import static ferry.balancer.algorithm.Picks.sequence;
import static org.assertj.core.api.Assertions.assertThat;

class LeastConnTest {

  private final Algorithm lc = Algorithm.named("leastconn");

  private static List<PoolMember> withActive(int[] weights, int... active) {
    String[] names = new String[weights.length];
    for (int i = 0; i < names.length; i++) {
      names[i] = String.valueOf((char) ('a' + i));
    }
    List<PoolMember> s = TestMembers.members(names, weights);
    for (int i = 0; i < active.length; i++) {
      TestMembers.setActive(s.get(i), active[i]);
    }
    return s;
  }

  @Test
  void namedGivesLeastConn() {
    assertThat(lc).isInstanceOf(LeastConn.class);
  }

  @Test
  void picksTheFewestActive() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 3, 1, 2);
    // whatever the rotation offset, the least loaded wins
    assertThat(sequence(lc, s, Set.of(), 30)).containsOnly(s.get(1));
  }

  @Test
  void zeroActiveWinsOverAll() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1, 1}, 7, 7, 0, 7);
    assertThat(sequence(lc, s, Set.of(), 40)).containsOnly(s.get(2));
  }

  @Test
  void weightsScaleTheLoad() {
    // (active+1)/weight: a = 5/3 = 1.67, b = 2/1, c = 3/1 -> a although it has the most connections
    List<PoolMember> s = withActive(new int[] {3, 1, 1}, 4, 1, 2);
    assertThat(sequence(lc, s, Set.of(), 30)).containsOnly(s.get(0));

    // a = 7/3 = 2.33 > b = 2 -> b
    TestMembers.setActive(s.get(0), 6);
    assertThat(sequence(lc, s, Set.of(), 30)).containsOnly(s.get(1));
  }

  @Test
  void tiesRotate() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 0, 0, 0);
    Map<PoolMember, Integer> c = counts(lc, s, Set.of(), 300);
    assertThat(c.values()).containsExactly(100, 100, 100);

    List<PoolMember> busy = withActive(new int[] {1, 1, 1}, 4, 4, 4);
    assertThat(counts(lc, busy, Set.of(), 300).values()).containsExactly(100, 100, 100);
  }

  @Test
  void tiesAmongTheLeastRotateAndSkipTheBusy() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1, 1}, 0, 5, 0, 0);
    Map<PoolMember, Integer> c = counts(lc, s, Set.of(), 3000);
    assertThat(c.get(s.get(1))).isZero();
    assertThat(c.get(s.get(0)) + c.get(s.get(2)) + c.get(s.get(3))).isEqualTo(3000);
    // rotation over 4 start offsets: each of the 3 idle ones gets 1/4 or 2/4 of the picks, none starves
    assertThat(c.get(s.get(0))).isPositive();
    assertThat(c.get(s.get(2))).isPositive();
    assertThat(c.get(s.get(3))).isPositive();
  }

  @Test
  void connectionsThatStayOpenSpreadByWeight() {
    List<PoolMember> s = withActive(new int[] {2, 1, 1});
    for (int i = 0; i < 400; i++) {
      TestMembers.acquire(lc.pick(s, Set.of(), CLIENT));
    }
    assertThat(s.get(0).active()).isBetween(199, 201);
    assertThat(s.get(1).active()).isBetween(99, 101);
    assertThat(s.get(2).active()).isBetween(99, 101);
  }

  @Test
  void triedIsExcluded() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 0, 5, 9);
    assertThat(sequence(lc, s, Set.of(s.get(0)), 30)).containsOnly(s.get(1));
    assertThat(sequence(lc, s, Set.of(s.get(0), s.get(1)), 30)).containsOnly(s.get(2));
  }

  @Test
  void allTriedGivesNull() {
    List<PoolMember> s = withActive(new int[] {1, 1}, 0, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(lc.pick(s, Set.copyOf(s), CLIENT)).isNull();
    }
  }

  @Test
  void singleServer() {
    List<PoolMember> s = withActive(new int[] {1}, 42);
    assertThat(sequence(lc, s, Set.of(), 10)).containsOnly(s.get(0));
  }
}
