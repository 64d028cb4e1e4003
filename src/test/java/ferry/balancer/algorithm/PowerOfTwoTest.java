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

/**
 * PowerOfTwo draws from ThreadLocalRandom, which cannot be seeded: the tolerances below are several standard
 * deviations wide (a false failure is far below 1e-6 likely); the structural claims are exact.
 */
class PowerOfTwoTest {

  private final Algorithm p2c = Algorithm.named("p2c");

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
  void namedGivesPowerOfTwo() {
    assertThat(p2c).isInstanceOf(PowerOfTwo.class);
  }

  @Test
  void idleServerWinsWheneverDrawn() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 0, 10, 10);
    Map<PoolMember, Integer> c = counts(p2c, s, Set.of(), 3000);
    // drawn in 2 of 3 pairs: expected 2000, sd 26; 1800 is 7.7 sd below
    assertThat(c.get(s.get(0))).isGreaterThan(1800).isLessThan(2200);
  }

  @Test
  void mostLoadedNeverWinsAgainstLessLoaded() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 0, 5, 10);
    Map<PoolMember, Integer> c = counts(p2c, s, Set.of(), 3000);
    assertThat(c.get(s.get(2))).isZero();
    // pairs {a,b},{a,c} -> a; {b,c} -> b: expected 2000/1000, sd 26
    assertThat(c.get(s.get(0))).isBetween(1800, 2200);
    assertThat(c.get(s.get(1))).isBetween(800, 1200);
  }

  @Test
  void twoServersAlwaysGiveTheLessLoaded() {
    List<PoolMember> s = withActive(new int[] {1, 1}, 3, 2);
    assertThat(sequence(p2c, s, Set.of(), 200)).containsOnly(s.get(1));
  }

  @Test
  void weightsScaleTheLoad() {
    // (active+1)/weight: a = 4/4 = 1 < b = 2/1
    List<PoolMember> s = withActive(new int[] {4, 1}, 3, 1);
    assertThat(sequence(p2c, s, Set.of(), 200)).containsOnly(s.get(0));
  }

  @Test
  void equalLoadsSpreadEvenly() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 0, 0, 0);
    Map<PoolMember, Integer> c = counts(p2c, s, Set.of(), 30000);
    // expected 1/3 each, sd 0.27 points
    for (PoolMember m : s) {
      assertThat(Picks.share(c, m)).as("share of %s", m).isBetween(100.0 / 3 - 3, 100.0 / 3 + 3);
    }
  }

  @Test
  void singleServerIsPicked() {
    List<PoolMember> s = withActive(new int[] {1}, 9);
    assertThat(sequence(p2c, s, Set.of(), 20)).containsOnly(s.get(0));
  }

  @Test
  void triedIsExcluded() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 0, 5, 10);
    // the idle one is tried: only b and c remain, b is less loaded
    assertThat(sequence(p2c, s, Set.of(s.get(0)), 500)).containsOnly(s.get(1));
    // only c remains
    assertThat(sequence(p2c, s, Set.of(s.get(0), s.get(1)), 50)).containsOnly(s.get(2));
    // equal loads, one tried: the two others share, the tried never comes back
    List<PoolMember> even = withActive(new int[] {1, 1, 1}, 0, 0, 0);
    Map<PoolMember, Integer> c = counts(p2c, even, Set.of(even.get(1)), 3000);
    assertThat(c.get(even.get(1))).isZero();
    assertThat(c.get(even.get(0))).isBetween(1200, 1800);
    assertThat(c.get(even.get(2))).isBetween(1200, 1800);
  }

  @Test
  void allTriedGivesNull() {
    List<PoolMember> s = withActive(new int[] {1, 1, 1}, 0, 0, 0);
    assertThat(p2c.pick(s, Set.copyOf(s), CLIENT)).isNull();
    List<PoolMember> one = withActive(new int[] {1}, 0);
    assertThat(p2c.pick(one, Set.copyOf(one), CLIENT)).isNull();
  }
}
