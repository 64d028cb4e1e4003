package ferry.cluster;

import ferry.config.ConfigException;
import ferry.config.HostPort;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The member-list probe over real loopback sockets: only ports something listens on are offered. */
class ListeningMembersTest {

  @Test
  void offersOnlyTheListedPortsThatAcceptAndSkipsMembers() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ServerSocket a = new ServerSocket(0, 50, lo); ServerSocket b = new ServerSocket(0, 50, lo)) {
      List<String> listed = new ArrayList<>();
      listed.add("127.0.0.1:" + a.getLocalPort());
      listed.add("127.0.0.1:" + b.getLocalPort());
      for (int i = 0; i < 18; i++) {
        try (ServerSocket gone = new ServerSocket(0, 1, lo)) {
          listed.add("127.0.0.1:" + gone.getLocalPort()); // closed at once: nothing listens there
        }
      }
      ListeningMembers probe = new ListeningMembers(listed, 5701, 500);
      long t0 = System.nanoTime();
      List<InetSocketAddress> found = probe.listening();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(found).containsExactlyInAnyOrder(
          new InetSocketAddress("127.0.0.1", a.getLocalPort()), new InetSocketAddress("127.0.0.1", b.getLocalPort()));
      assertThat(ms).as("18 refused ports cost one round, not 18 waits").isLessThan(5000);

      probe.members(() -> Set.of(new InetSocketAddress("127.0.0.1", a.getLocalPort())));
      assertThat(probe.listening()).containsExactly(new InetSocketAddress("127.0.0.1", b.getLocalPort()));
    }
  }

  @Test
  void aBareHostMeansTheClusterPortAndTheTwoAfterIt() {
    assertThat(ListeningMembers.parse(List.of("127.10.0.5", "[::1]", "127.0.0.1:6000"), 5801)).containsExactly(
        new HostPort("127.10.0.5", 5801), new HostPort("127.10.0.5", 5802), new HostPort("127.10.0.5", 5803),
        new HostPort("::1", 5801), new HostPort("::1", 5802), new HostPort("::1", 5803),
        new HostPort("127.0.0.1", 6000));
  }

  @Test
  void anEmptyListIsAConfigError() {
    assertThatThrownBy(() -> ListeningMembers.parse(List.of(), 5701))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.members");
  }
}
