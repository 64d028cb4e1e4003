package ferry.integration;

import ferry.TestPorts;
import ferry.balancer.Balancer;
import ferry.balancer.PoolMember;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static ferry.integration.TestCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * leastconn with scope cluster: two balancers count each other's connections, so a server that one balancer
 * loaded is not also picked first by the other.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterLoadTest {

  @Test
  void twoBalancersKeepThreeServersEvenWithClusterWideCounts() throws Exception {
    try (TestCluster cluster = new TestCluster()) {
      String frontend = "{\"port\":%d,\"pool\":\"lc\",\"algorithm\":\"leastconn\"}";
      Balancer a = cluster.balancer("lca", "frontends.lc=" + String.format(frontend, TestPorts.free()));
      cluster.server("lc1", "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"lc\"}");
      eventually(Duration.ofSeconds(20), "lc1 seen", () -> a.pools().usable("lc").size() == 1);
      List<Socket> open = new ArrayList<>();
      try {
        connect(open, a, 10); // all on lc1: the only server yet
        for (String s : List.of("lc2", "lc3")) {
          cluster.server(s, "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"lc\"}");
        }
        Balancer b = cluster.balancer("lcb", "frontends.lc=" + String.format(frontend, TestPorts.free()));
        eventually(Duration.ofSeconds(20), "3 servers on both",
            () -> a.pools().usable("lc").size() == 3 && b.pools().usable("lc").size() == 3);
        eventually(Duration.ofSeconds(10), "b sees a's 10 connections to lc1", () -> b.pools().usable("lc").stream()
            .filter(m -> m.node().equals("lc1")).mapToInt(PoolMember::others).sum() == 10);
        connect(open, b, 20);
        Map<String, Integer> total = new HashMap<>();
        for (Balancer x : List.of(a, b)) {
          x.pools().usable("lc").forEach(m -> total.merge(m.node(), m.active(), Integer::sum));
        }
        // 30 connections over 3 servers: each within ±15% of 10. Counting only its own, b would have put 7 more
        // on lc1 (17 / 7 / 6).
        assertThat(total).containsOnlyKeys("lc1", "lc2", "lc3")
            .allSatisfy((node, n) -> assertThat(n).as(node).isBetween(9, 11));
      } finally {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }

  /** A balancer that joins starts with the servers the others see down out of rotation, not after its own fall. */
  @Test
  void aNewBalancerStartsFromTheOthersHealthView() throws Exception {
    try (TestCluster cluster = new TestCluster();
         java.net.ServerSocket mute = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      // Accepts (the kernel does) but never answers: what a hung process looks like from outside.
      String health = "pools.mute.health={\"type\":\"send-expect\",\"send\":\"ping\\\\n\",\"expect\":\"pong\"}";
      String fe = "frontends.mute={\"port\":%d,\"pool\":\"mute\"}";
      Balancer a = cluster.balancer("hva", health, String.format(fe, TestPorts.free()));
      cluster.server("mute1", "services={}",
          "services.m={\"type\":\"external\",\"pool\":\"mute\",\"target\":\"127.0.0.1:" + mute.getLocalPort() + "\"}");
      eventually(Duration.ofSeconds(20), "a sees it down", () -> a.pools().all("mute").size() == 1
          && a.pools().isDown(a.pools().all("mute").get(0)));
      eventually(Duration.ofSeconds(5), "a published its view", () -> String.valueOf(
          a.node().hazelcast().getMap("ferry.load").get(a.node().nodeId())).contains("\"down\":[\""));
      Balancer b = cluster.balancer("hvb", health, String.format(fe, TestPorts.free()));
      assertThat(b.pools().all("mute")).hasSize(1);
      assertThat(b.pools().isDown(b.pools().all("mute").get(0))).as("down from b's first moment").isTrue();
      assertThat(b.pools().usable("mute")).isEmpty();
    }
  }

  /** A server's maxconn holds across balancers: one balancer's connection fills it for the other too. */
  @Test
  void aServersMaxconnCountsEveryBalancersConnections() throws Exception {
    try (TestCluster cluster = new TestCluster()) {
      String frontend = "{\"port\":%d,\"pool\":\"one\",\"queueTimeoutMs\":10000}";
      Balancer a = cluster.balancer("mca", "frontends.one=" + String.format(frontend, TestPorts.free()));
      Balancer b = cluster.balancer("mcb", "frontends.one=" + String.format(frontend, TestPorts.free()));
      cluster.server("mc1", "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"one\",\"maxconn\":1}");
      eventually(Duration.ofSeconds(20), "mc1 on both",
          () -> a.pools().usable("one").size() == 1 && b.pools().usable("one").size() == 1);
      try (Socket viaA = open(a)) {
        assertThat(BalancerClusterTest.roundTrip(viaA, "a")).isEqualTo("a");
        eventually(Duration.ofSeconds(10), "b sees a's connection", () -> b.pools().usable("one").get(0).others() == 1);
        try (Socket viaB = open(b)) {
          viaB.getOutputStream().write('b');
          eventually(Duration.ofSeconds(5), "b's connection waits for room", () -> b.frontends().get("one").queued() == 1);
          assertThat(a.pools().usable("one").get(0).clusterActive()).as("mc1 still holds one").isEqualTo(1);
          viaA.close(); // room again: b's count of a's connections drops within ~100 ms, and b's connection goes
          assertThat(viaB.getInputStream().read()).isEqualTo('b');
          assertThat(b.pools().usable("one").get(0).active()).isEqualTo(1);
        }
      }
    }
  }

  private static Socket open(Balancer via) throws Exception {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), via.frontends().get("one").config().port());
    s.setSoTimeout(8000);
    return s;
  }

  private static void connect(List<Socket> open, Balancer via, int n) throws Exception {
    int port = via.frontends().get("lc").config().port();
    for (int i = 0; i < n; i++) {
      Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
      s.setSoTimeout(5000);
      assertThat(BalancerClusterTest.roundTrip(s, "x" + i)).isEqualTo("x" + i); // established before the next
      open.add(s);
    }
  }
}
