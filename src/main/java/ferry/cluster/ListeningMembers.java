package ferry.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.config.properties.PropertyDefinition;
import com.hazelcast.logging.ILogger;
import com.hazelcast.spi.discovery.AbstractDiscoveryStrategy;
import com.hazelcast.spi.discovery.DiscoveryNode;
import com.hazelcast.spi.discovery.DiscoveryStrategy;
import com.hazelcast.spi.discovery.DiscoveryStrategyFactory;
import com.hazelcast.spi.discovery.SimpleDiscoveryNode;
import ferry.config.ConfigException;
import ferry.config.HostPort;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Hazelcast discovery over Ferry's {@code cluster.members} list that offers only the listed addresses where
 * something accepts a TCP connection.
 *
 * <p>Why not Hazelcast's TCP-IP joiner with the same list: its split-brain search tries the listed addresses one
 * by one and waits a fixed 5 s on each one it cannot connect to. A server frozen past the heartbeat limit comes
 * back in a one-member cluster and must find the others through that search; with the default 20-port range and
 * 4 ports in use that took 37 s. Probing all candidates at once costs one round trip (a refused connect on
 * loopback is immediate), so the search only ever sees live addresses.
 *
 * <p>Addresses that are already members are not probed: on a healthy cluster the master's periodic search then
 * connects to nothing, and Hazelcast logs no connection churn.
 */
final class ListeningMembers implements DiscoveryStrategyFactory {
  private final List<HostPort> candidates;
  private final int probeTimeoutMs;
  private volatile Supplier<Set<InetSocketAddress>> members = Set::of;

  /**
   * @param expanded {@code host:port} or a bare {@code host}, as {@link ferry.config.ClusterConfig#expandedMembers()}
   * @param basePort where a bare host is tried, with the 2 ports after it (what Hazelcast's own joiner does)
   */
  ListeningMembers(List<String> expanded, int basePort, int probeTimeoutMs) {
    this.candidates = parse(expanded, basePort);
    this.probeTimeoutMs = probeTimeoutMs;
  }

  static List<HostPort> parse(List<String> expanded, int basePort) {
    List<HostPort> out = new ArrayList<>();
    for (String m : expanded) {
      if (m.lastIndexOf(':') < 0 || m.endsWith("]")) { // a bare host, as ClusterConfig reads it
        String host = m.startsWith("[") ? m.substring(1, m.length() - 1) : m;
        for (int p = basePort; p < basePort + 3 && p <= 65535; p++) {
          out.add(new HostPort(host, p));
        }
      } else {
        out.add(HostPort.parse("cluster.members", m));
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException("cluster.members: empty (list at least one host:port, or set cluster.multicast)");
    }
    return List.copyOf(out);
  }

  /** Tells the probe which addresses are members already (read when discovery runs, after the join). */
  void members(Supplier<Set<InetSocketAddress>> current) {
    this.members = current;
  }

  List<InetSocketAddress> listening() {
    Set<InetSocketAddress> skip = members.get();
    List<InetSocketAddress> out = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      int pending = 0;
      for (HostPort c : candidates) {
        InetSocketAddress a = new InetSocketAddress(c.host(), c.port()); // resolved each time: DNS may change
        if (a.isUnresolved() || skip.contains(a)) {
          continue;
        }
        SocketChannel ch = SocketChannel.open();
        try {
          ch.configureBlocking(false);
          if (ch.connect(a)) {
            out.add(a);
            ch.close();
          } else {
            ch.register(selector, SelectionKey.OP_CONNECT, a);
            pending++;
          }
        } catch (IOException refused) {
          ch.close();
        }
      }
      long deadline = System.nanoTime() + probeTimeoutMs * 1_000_000L;
      while (pending > 0) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0 || selector.select(left) < 0) {
          break;
        }
        for (SelectionKey k : selector.selectedKeys()) {
          SocketChannel ch = (SocketChannel) k.channel();
          try {
            if (ch.finishConnect()) {
              out.add((InetSocketAddress) k.attachment());
            }
          } catch (IOException refused) {
            // nothing listens there
          }
          k.cancel();
          ch.close();
          pending--;
        }
        selector.selectedKeys().clear();
      }
      for (SelectionKey k : selector.keys()) {
        k.channel().close(); // timed out
      }
    } catch (IOException e) {
      throw new IllegalStateException("probing cluster.members failed: " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public Class<? extends DiscoveryStrategy> getDiscoveryStrategyType() {
    return Strategy.class;
  }

  @Override
  public DiscoveryStrategy newDiscoveryStrategy(DiscoveryNode local, ILogger logger, Map<String, Comparable> props) {
    return new Strategy(logger, props);
  }

  @Override
  public Collection<PropertyDefinition> getConfigurationProperties() {
    return List.of();
  }

  private final class Strategy extends AbstractDiscoveryStrategy {
    Strategy(ILogger logger, Map<String, Comparable> props) {
      super(logger, props);
    }

    @Override
    public Iterable<DiscoveryNode> discoverNodes() {
      List<DiscoveryNode> nodes = new ArrayList<>();
      for (InetSocketAddress a : listening()) {
        nodes.add(new SimpleDiscoveryNode(new Address(a)));
      }
      return nodes;
    }
  }
}
