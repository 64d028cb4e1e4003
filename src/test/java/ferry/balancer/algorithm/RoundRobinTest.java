package ferry.balancer.algorithm;

import ferry.balancer.PoolMember;
import ferry.balancer.TestMembers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static ferry.balancer.algorithm.Picks.CLIENT;
import static ferry.balancer.algorithm.Picks.count;
import static ferry.balancer.algorithm.Picks.counts;
import static ferry.balancer.algorithm.Picks.sequence;
import static org.assertj.core.api.Assertions.assertThat;

class RoundRobinTest {

  private final Algorithm rr = Algorithm.named("roundrobin");

  @Test
  void namedGivesRoundRobin() {
    assertThat(rr).isInstanceOf(RoundRobin.class);
  }

  @Test
  void equalServersCycleInOrder() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 1, 1, 1);
    List<PoolMember> picks = sequence(rr, s, Set.of(), 3000);
    for (int i = 0; i < picks.size(); i++) {
      assertThat(picks.get(i)).as("pick %d", i).isSameAs(s.get(i % 3));
    }
    Map<PoolMember, Integer> c = count(s, picks);
    assertThat(c.values()).containsExactly(1000, 1000, 1000);
  }

  @Test
  void weightedIsExactAndSmooth() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 5, 1, 1);
    PoolMember a = s.get(0);
    PoolMember b = s.get(1);
    PoolMember c = s.get(2);
    List<PoolMember> picks = sequence(rr, s, Set.of(), 7000);

    assertThat(count(s, picks).values()).containsExactly(5000, 1000, 1000);
    // nginx's smooth sequence, as documented on the class
    assertThat(picks.subList(0, 7)).containsExactly(a, a, b, a, c, a, a);
    for (int start = 0; start + 7 <= picks.size(); start++) {
      Map<PoolMember, Integer> w = count(s, picks.subList(start, start + 7));
      assertThat(w.get(a)).as("a in window at %d", start).isEqualTo(5);
      assertThat(w.get(b)).as("b in window at %d", start).isEqualTo(1);
      assertThat(w.get(c)).as("c in window at %d", start).isEqualTo(1);
    }
  }

  @Test
  void triedServerIsNeverReturned() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 1, 1, 1);
    Set<PoolMember> tried = Set.of(s.get(1));
    List<PoolMember> picks = sequence(rr, s, tried, 300);
    assertThat(picks).doesNotContain(s.get(1)).doesNotContainNull();
    Map<PoolMember, Integer> c = count(s, picks);
    assertThat(c.get(s.get(0))).isEqualTo(150);
    assertThat(c.get(s.get(2))).isEqualTo(150);
  }

  @Test
  void retryAfterFirstChoiceGivesAnother() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 2, 1, 1);
    for (int i = 0; i < 100; i++) {
      PoolMember first = rr.pick(s, Set.of(), CLIENT);
      PoolMember second = rr.pick(s, Set.of(first), CLIENT);
      PoolMember third = rr.pick(s, Set.of(first, second), CLIENT);
      assertThat(second).isNotNull().isNotSameAs(first);
      assertThat(third).isNotNull().isNotIn(first, second);
    }
  }

  @Test
  void allTriedGivesNull() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 1, 2, 3);
    assertThat(rr.pick(s, Set.copyOf(s), CLIENT)).isNull();
    // and still works afterwards
    assertThat(rr.pick(s, Set.of(), CLIENT)).isNotNull();
  }

  @Test
  void singleServerIsAlwaysPicked() {
    List<PoolMember> s = TestMembers.members(new String[] {"a"}, 3);
    assertThat(sequence(rr, s, Set.of(), 50)).containsOnly(s.get(0));
  }

  @Test
  void serverListChangeKeepsWorking() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 1, 1, 1);
    sequence(rr, s, Set.of(), 4); // leave some scores behind

    List<PoolMember> withoutB = List.of(s.get(0), s.get(2));
    List<PoolMember> picks = sequence(rr, withoutB, Set.of(), 1000);
    assertThat(picks).doesNotContain(s.get(1)).doesNotContainNull();
    Map<PoolMember, Integer> c = count(withoutB, picks);
    assertThat(Math.abs(c.get(s.get(0)) - c.get(s.get(2)))).isLessThanOrEqualTo(2);

    // a server joins: it gets its share at once
    PoolMember d = TestMembers.member("d", 1);
    List<PoolMember> withD = List.of(s.get(0), s.get(2), d);
    Map<PoolMember, Integer> c2 = counts(rr, withD, Set.of(), 3000);
    assertThat(c2.values()).allSatisfy(n -> assertThat(n).isBetween(998, 1002));

    // the old list object again (b back): b is picked again
    Map<PoolMember, Integer> c3 = counts(rr, s, Set.of(), 3000);
    assertThat(c3.values()).allSatisfy(n -> assertThat(n).isBetween(998, 1002));
  }

  @Test
  void newListObjectWithSameMembersKeepsTheCycle() {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 5, 1, 1);
    List<PoolMember> picks = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      picks.add(rr.pick(new ArrayList<>(s), Set.of(), CLIENT)); // a fresh list object every time
    }
    assertThat(count(s, picks).values()).containsExactly(500, 100, 100);
  }

  @Test
  void concurrentPicksStayExact() throws Exception {
    List<PoolMember> s = TestMembers.members(new String[] {"a", "b", "c"}, 5, 1, 1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<PoolMember>>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        futures.add(pool.submit(() -> sequence(rr, s, Set.of(), 7000)));
      }
      List<PoolMember> all = Collections.synchronizedList(new ArrayList<>());
      for (Future<List<PoolMember>> f : futures) {
        all.addAll(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(count(s, all).values()).containsExactly(20000, 4000, 4000);
    } finally {
      pool.shutdownNow();
    }
  }
}
