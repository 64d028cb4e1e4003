package ferry.balancer;

import ferry.cluster.Announcement;
import ferry.cluster.NodeOverride;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pools built from announcements and operator overrides together: drain, weight, enable, counters kept. */
class PoolsOverridesTest {

  private static Announcement server(String name, int weight) {
    return new Announcement("id-" + name, name, "server", 1, List.of(
        new Announcement.Endpoint("echo", "echo", "echo", "127.0.0.1", 10000 + name.hashCode() % 1000, null, weight, "up"),
        new Announcement.Endpoint("other", "echo", "other", "127.0.0.1", 20000 + name.hashCode() % 1000, null, 1, "up")));
  }

  private static List<String> names(List<PoolMember> members) {
    return members.stream().map(PoolMember::node).toList();
  }

  @Test
  void aDrainedNodeLeavesTheUsableListOfEveryPoolAndKeepsItsCounter() {
    Pools pools = new Pools();
    pools.update(List.of(server("a", 1), server("b", 1)));
    PoolMember b = pools.usable("echo").get(1);
    TestMembers.acquire(b); // an established connection to b

    pools.overrides(Map.of("b", new NodeOverride(NodeOverride.DRAINING, null, 1)));
    assertThat(names(pools.usable("echo"))).containsExactly("a");
    assertThat(names(pools.usable("other"))).containsExactly("a");
    PoolMember drained = pools.all("echo").get(1);
    assertThat(drained.state()).isEqualTo("draining");
    assertThat(drained.active()).as("the connection still counts").isEqualTo(1);

    pools.overrides(Map.of());
    assertThat(names(pools.usable("echo"))).containsExactly("a", "b");
    assertThat(pools.usable("echo").get(1).state()).isEqualTo("up");
    assertThat(pools.usable("echo").get(1).active()).isEqualTo(1);
  }

  @Test
  void anOverrideWeightReplacesTheAnnouncedOneAndZeroTakesNoConnections() {
    Pools pools = new Pools();
    pools.update(List.of(server("a", 1), server("b", 1)));
    pools.overrides(Map.of("a", new NodeOverride(null, 5, 1)));
    assertThat(pools.usable("echo").get(0).weight()).isEqualTo(5);
    assertThat(pools.usable("echo").get(1).weight()).isEqualTo(1);

    pools.overrides(Map.of("a", new NodeOverride(null, 0, 2)));
    assertThat(names(pools.usable("echo"))).containsExactly("b");
    assertThat(pools.all("echo").get(0).weight()).isZero();
  }

  @Test
  void overridesOutliveAReannouncementAndApplyToANodeThatJoinsLater() {
    Pools pools = new Pools();
    pools.overrides(Map.of("c", new NodeOverride(NodeOverride.DRAINING, 3, 1)));
    pools.update(List.of(server("a", 1)));
    assertThat(names(pools.usable("echo"))).containsExactly("a");
    pools.update(List.of(server("a", 2), server("c", 1)));
    assertThat(names(pools.usable("echo"))).containsExactly("a");
    assertThat(pools.all("echo").get(1).weight()).isEqualTo(3);
    assertThat(pools.all("echo").get(1).state()).isEqualTo("draining");
    assertThat(pools.usable("echo").get(0).weight()).as("announced weight of a").isEqualTo(2);
  }

  @Test
  void anUnrelatedOverrideKeepsAPoolsListIdentity() {
    Pools pools = new Pools();
    pools.update(List.of(server("a", 1), server("b", 1)));
    List<PoolMember> before = pools.usable("echo");
    pools.overrides(Map.of("nobody", new NodeOverride(NodeOverride.DRAINING, null, 1)));
    assertThat(pools.usable("echo")).isSameAs(before);
    assertThat(pools.names()).containsExactlyInAnyOrder("echo", "other");
  }
}
