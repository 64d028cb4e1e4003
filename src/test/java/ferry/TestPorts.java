package ferry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for the tests' listeners, one helper for every test.
 *
 * <p>Two rules, each learnt from a failure. A port is handed out at most once per JVM: two bind(0) calls in a row,
 * each closed at once, can return the same port, and a node given it twice refuses its own config. And it comes from
 * below the ephemeral range (32768 and up on Linux): a port from bind(0) is an ephemeral one, which the thousands of
 * outgoing connections of a test run (probes, Hazelcast) can take before the node binds it.
 */
public final class TestPorts {
  private static final int LOW = 20000;
  private static final int HIGH = 32000; // exclusive
  private static final Set<Integer> GIVEN = new HashSet<>();

  private TestPorts() {
  }

  /** A port nothing on loopback listens on now, not handed out before in this JVM. */
  public static synchronized int free() {
    for (int i = 0; i < 2000; i++) {
      int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
      if (GIVEN.contains(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      } catch (IOException e) {
        continue; // taken: try another
      }
      GIVEN.add(port);
      return port;
    }
    throw new IllegalStateException("no free port in " + LOW + "-" + (HIGH - 1) + " after 2000 tries");
  }
}
