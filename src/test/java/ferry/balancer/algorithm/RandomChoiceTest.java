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

/** ThreadLocalRandom cannot be seeded: tolerances are about 9 standard deviations wide. */
class RandomChoiceTest {

  private final Algorithm random = Algorithm.named("random");

  @Test
  void namedGivesRandomChoice() {
    assertThat(random).isInstanceOf(RandomChoice.class);
  }

  @Test
  void weightsSetTheShare() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b"}, 3, 1);
    Map<PoolMember, Integer> c = counts(random, s, Set.of(), 40_000);
    // expected 75%, sd 0.22 points
    assertThat(Picks.share(c, s.get(0))).isBetween(73.0, 77.0);
  }

  @Test
  void equalWeightsSpreadEvenly() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c", "d"}, 1, 1, 1, 1);
    Map<PoolMember, Integer> c = counts(random, s, Set.of(), 40_000);
    // expected 25%, sd 0.22 points
    for (PoolMember m : s) {
      assertThat(Picks.share(c, m)).as("share of %s", m).isBetween(23.0, 27.0);
    }
  }

  @Test
  void triedIsExcluded() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 3, 1, 1);
    Map<PoolMember, Integer> c = counts(random, s, Set.of(s.get(0)), 20_000);
    assertThat(c.get(s.get(0))).isZero();
    // b and c share 50/50: sd 0.35 points
    assertThat(Picks.share(c, s.get(1))).isBetween(46.0, 54.0);
    assertThat(sequence(random, s, Set.of(s.get(0), s.get(2)), 100)).containsOnly(s.get(1));
  }

  @Test
  void allTriedGivesNull() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b"}, 3, 1);
    for (int i = 0; i < 10; i++) {
      assertThat(random.pick(s, Set.copyOf(s), CLIENT)).isNull();
    }
  }

  @Test
  void singleServer() {
    List<PoolMember> s = TestMembers.members(new String[] {"a"}, 5);
    assertThat(sequence(random, s, Set.of(), 50)).containsOnly(s.get(0));
  }
}
