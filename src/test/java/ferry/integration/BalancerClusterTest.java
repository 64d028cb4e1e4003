package ferry.integration;

import ferry.TestPorts;
import ferry.balancer.Balancer;
import ferry.balancer.Frontend;
import ferry.balancer.PoolMember;
import ferry.server.Server;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static ferry.integration.TestCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One balancer and three servers, each a real clustered Vert.x/Hazelcast node in this JVM; clients are plain
 * java.net sockets, so what is asserted is what a TCP client sees.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BalancerClusterTest {
  static TestCluster cluster;
  static Balancer balancer;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    // The retry pool has no active check, so that its dead server is met by a connect (the passive path).
    balancer = cluster.balancer("b1", "frontends.retry.port=" + TestPorts.free(), "frontends.retry.pool=retry",
        "pools.retry.health={\"type\":\"none\"}",
        "frontends.drain.port=" + TestPorts.free(), "frontends.drain.pool=drainpool");
    for (String s : List.of("s1", "s2", "s3")) {
      cluster.server(s);
    }
    eventually(Duration.ofSeconds(20), "3 echo servers discovered", () -> balancer.pools().usable("echo").size() == 3);
    eventually(Duration.ofSeconds(20), "3 whoami servers discovered", () -> balancer.pools().usable("whoami").size() == 3);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static int port(String frontend) {
    return balancer.frontends().get(frontend).config().port();
  }

  @Test
  void roundRobinReachesEveryServerInTurnSeenThroughWhoami() throws Exception {
    List<String> answered = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      // A new connection per request: round robin balances connections, not requests.
      String response = httpGet(port("whoami"));
      assertThat(response).startsWith("HTTP/1.1 200");
      JsonObject body = new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4));
      assertThat(body.getString("pool")).isEqualTo("whoami");
      answered.add(body.getString("server"));
    }
    // Each window of 3 consecutive connections covers all three servers, in the same cyclic order.
    assertThat(answered.subList(0, 3)).containsExactlyInAnyOrder("s1", "s2", "s3");
    assertThat(answered.subList(3, 6)).isEqualTo(answered.subList(0, 3));
    assertThat(answered.subList(6, 9)).isEqualTo(answered.subList(0, 3));
  }

  @Test
  void oneMebibyteIsRelayedByteExactWithHalfClose() throws Exception {
    byte[] payload = new byte[1 << 20];
    new Random(42).nextBytes(payload);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port("echo"))) {
      s.setSoTimeout(20_000);
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = s.getOutputStream();
          out.write(payload);
          out.flush();
          s.shutdownOutput(); // FIN: the reply must still come back in full
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      writer.start();
      byte[] reply = s.getInputStream().readAllBytes(); // until the balancer's FIN
      writer.join(20_000);
      assertThat(reply.length).isEqualTo(payload.length);
      assertThat(reply).isEqualTo(payload);
    }
  }

  @Test
  void connectionsSpreadOverAllServersAndCountersReturnToZero() throws Exception {
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port("echo"));
        s.setSoTimeout(5000);
        s.getOutputStream().write('x');
        assertThat(s.getInputStream().read()).isEqualTo('x');
        open.add(s);
      }
      Map<String, Integer> active = new HashMap<>();
      balancer.pools().usable("echo").forEach(m -> active.put(m.node(), m.active()));
      assertThat(active).containsOnlyKeys("s1", "s2", "s3").allSatisfy((node, n) -> assertThat(n).isEqualTo(2));
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    eventually(Duration.ofSeconds(5), "active counts back to 0",
        () -> balancer.pools().usable("echo").stream().mapToInt(PoolMember::active).sum() == 0);
    Frontend echo = balancer.frontends().get("echo");
    eventually(Duration.ofSeconds(5), "frontend active back to 0", () -> echo.activeConnections() == 0);
  }

  @Test
  void aServerThatSpeaksFirstIsHeardAndAnEmptyPoolClosesAtOnce() throws Exception {
    try (ServerSocket banner = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket c = banner.accept()) {
          c.getOutputStream().write("220 hello\r\n".getBytes());
          c.getOutputStream().flush();
          c.getInputStream().read(); // until the client goes
        } catch (IOException ignored) {
          // the test asserts on the client side
        }
      });
      t.setDaemon(true);
      t.start();
      int greeterPort = TestPorts.free();
      int nobodyPort = TestPorts.free();
      Balancer b2 = cluster.balancer("b2",
          "frontends.greeter.port=" + greeterPort,
          "frontends.nobody.port=" + nobodyPort, "frontends.nobody.pool=nobody");
      Server greeter = cluster.server("greeter", "services={}",
          "services.smtp={\"type\":\"external\",\"pool\":\"greeter\",\"target\":\"127.0.0.1:" + banner.getLocalPort() + "\"}");
      eventually(Duration.ofSeconds(20), "greeter discovered", () -> b2.pools().usable("greeter").size() == 1);

      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), greeterPort)) {
        s.setSoTimeout(5000);
        byte[] line = new byte[11];
        InputStream in = s.getInputStream();
        int n = 0;
        while (n < line.length) {
          int r = in.read(line, n, line.length - n);
          assertThat(r).isPositive();
          n += r;
        }
        assertThat(new String(line)).isEqualTo("220 hello\r\n");
      }

      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), nobodyPort)) {
        s.setSoTimeout(5000);
        assertThat(s.getInputStream().read()).as("closed, not left hanging").isEqualTo(-1);
      }
      cluster.stop(greeter);
      cluster.stop(b2);
    }
  }

  @Test
  void discoversAServerThatJoinsAndForgetsOneThatLeaves() throws Exception {
    Server s4 = cluster.server("s4");
    eventually(Duration.ofSeconds(20), "s4 discovered",
        () -> balancer.pools().usable("echo").stream().anyMatch(m -> m.node().equals("s4")));
    cluster.stop(s4);
    eventually(Duration.ofSeconds(20), "s4 gone",
        () -> balancer.pools().usable("echo").stream().noneMatch(m -> m.node().equals("s4")));
    // Connections after the leave all succeed.
    for (int i = 0; i < 12; i++) {
      assertThat(echoOnce("ping" + i)).isEqualTo("ping" + i);
    }
  }

  @Test
  void aConnectThatFailsIsRetriedOnAnotherServer() throws Exception {
    int gone = TestPorts.free(); // nothing listens there any more
    Server ghost = cluster.server("ghost", "services={}",
        "services.echo={\"type\":\"external\",\"pool\":\"retry\",\"target\":\"127.0.0.1:" + gone + "\"}");
    Server live = cluster.server("live", "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"retry\"}");
    // all(), not usable(): whether the dead one is in rotation right now is what the rest of the test is about.
    eventually(Duration.ofSeconds(20), "both retry servers discovered", () -> balancer.pools().all("retry").size() == 2);
    Frontend retry = balancer.frontends().get("retry");
    long failuresBefore = retry.connectFailures();
    for (int i = 0; i < 20; i++) {
      assertThat(echoOnce(port("retry"), "r" + i)).isEqualTo("r" + i);
    }
    // The first attempt on the dead port failed and was retried on the live server; that failure took the dead
    // server out of rotation at once (passive check), so later connections no longer try it.
    // (It is tried again after a 1 s backoff, as no active check can bring it back: a few more failures at most;
    // round robin without the passive check would have failed 10 of the 20.)
    assertThat(retry.connectFailures() - failuresBefore).isBetween(1L, 5L);
    cluster.stop(ghost);
    cluster.stop(live);
  }

  /** SIGTERM on a server: no new connections at once, open sessions go on, the node leaves when they end. */
  @Test
  void aDrainingServerGetsNoNewConnectionsAndItsOpenSessionsGoOn() throws Exception {
    Server d1 = cluster.server("d1", "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"drainpool\"}");
    Server d2 = cluster.server("d2", "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"drainpool\"}");
    eventually(Duration.ofSeconds(20), "2 drain servers", () -> balancer.pools().usable("drainpool").size() == 2);
    List<Socket> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) { // round robin: one session on each server
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port("drain"));
        s.setSoTimeout(5000);
        sessions.add(s);
        assertThat(roundTrip(s, "hello")).isEqualTo("hello");
      }
      long start = System.nanoTime();
      io.vertx.core.Future<Void> closed = d1.close();
      // Typically tens of ms (one map-entry event); the bound leaves room for a loaded 2-core CI machine.
      eventually(Duration.ofSeconds(2), "d1 out of rotation at once",
          () -> balancer.pools().usable("drainpool").stream().noneMatch(m -> m.node().equals("d1")));
      for (int i = 0; i < 5; i++) {
        assertThat(echoOnce(port("drain"), "new" + i)).isEqualTo("new" + i); // all to d2
      }
      assertThat(balancer.pools().all("drainpool").stream().filter(m -> m.node().equals("d1")).findFirst().orElseThrow()
          .active()).as("only the old session is on d1").isEqualTo(1);
      for (Socket s : sessions) {
        assertThat(roundTrip(s, "still here")).isEqualTo("still here"); // the open sessions are not cut
      }
      assertThat(closed.isComplete()).as("d1 waits for its session").isFalse();
      sessions.forEach(BalancerClusterTest::closeQuietly);
      TestCluster.await(closed); // leaves once its last session ended, long before the 30 s drain timeout
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(20_000);
    } finally {
      sessions.forEach(BalancerClusterTest::closeQuietly);
      cluster.stop(d2);
    }
  }

  static String roundTrip(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes());
    byte[] back = new byte[text.length()];
    int n = 0;
    while (n < back.length) {
      int r = s.getInputStream().read(back, n, back.length - n);
      if (r < 0) {
        return "closed after " + new String(back, 0, n);
      }
      n += r;
    }
    return new String(back);
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  static String httpGet(int port) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: ferry\r\nConnection: close\r\n\r\n".getBytes());
      return new String(s.getInputStream().readAllBytes());
    }
  }

  static String echoOnce(String text) throws IOException {
    return echoOnce(port("echo"), text);
  }

  static String echoOnce(int port, String text) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(text.getBytes());
      s.shutdownOutput();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.getInputStream().transferTo(out);
      return out.toString();
    }
  }
}
