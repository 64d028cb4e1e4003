package ferry.integration;

import ferry.TestPorts;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import ferry.balancer.Balancer;
import ferry.balancer.Frontend;
import ferry.balancer.PoolMember;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static ferry.integration.TestCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** maxconn, the queue behind it, idle timeouts and the access log, over real sockets. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LimitsTest {
  static TestCluster cluster;
  static Balancer balancer;
  static ListAppender<ILoggingEvent> access = new ListAppender<>();

  @BeforeAll
  static void start() {
    access.start();
    ((Logger) LoggerFactory.getLogger("ferry.access")).addAppender(access);
    cluster = new TestCluster();
    balancer = cluster.balancer("lb",
        "frontends.limited={\"port\":" + TestPorts.free() + ",\"pool\":\"echo\",\"maxconn\":2,\"maxqueue\":1,\"queueTimeoutMs\":800}",
        "frontends.idle={\"port\":" + TestPorts.free() + ",\"pool\":\"echo\",\"idleTimeoutMs\":300}",
        "frontends.capped={\"port\":" + TestPorts.free() + ",\"pool\":\"capped\",\"maxqueue\":1,\"queueTimeoutMs\":800}",
        "frontends.impatient={\"port\":" + TestPorts.free() + ",\"pool\":\"echo\",\"maxconn\":1,\"maxqueue\":1,"
            + "\"queueTimeoutMs\":20000,\"idleTimeoutMs\":500}");
    // Two servers of pool "capped" that take one connection each (from all balancers together).
    String capped = "services.capped={\"type\":\"echo\",\"pool\":\"capped\",\"maxconn\":1}";
    cluster.server("ls1", capped);
    cluster.server("ls2", "services.echo.pool=echo2", "services.whoami.pool=whoami2", capped);
    eventually(Duration.ofSeconds(20), "echo server", () -> balancer.pools().usable("echo").size() == 1);
    eventually(Duration.ofSeconds(20), "capped servers", () -> balancer.pools().usable("capped").size() == 2);
  }

  @AfterAll
  static void stop() {
    cluster.close();
    ((Logger) LoggerFactory.getLogger("ferry.access")).detachAppender(access);
  }

  static int port(String frontend) {
    return balancer.frontends().get(frontend).config().port();
  }

  static Socket open(String frontend) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port(frontend));
    s.setSoTimeout(5000);
    return s;
  }

  @Test
  void pastMaxconnConnectionsQueueThenAreAdmittedOrRejected() throws Exception {
    Frontend limited = balancer.frontends().get("limited");
    try (Socket a = open("limited"); Socket b = open("limited")) {
      assertThat(BalancerClusterTest.roundTrip(a, "a")).isEqualTo("a");
      assertThat(BalancerClusterTest.roundTrip(b, "b")).isEqualTo("b");
      try (Socket queued = open("limited")) {
        eventually(Duration.ofSeconds(5), "third connection queued", () -> limited.queued() == 1);
        queued.getOutputStream().write('q');
        try (Socket rejected = open("limited")) {
          rejected.getOutputStream().write("unread".getBytes()); // must not turn the close into a reset
          assertThat(rejected.getInputStream().read()).as("queue full: closed at once, with a FIN").isEqualTo(-1);
        }
        assertThat(limited.rejected()).isEqualTo(1);
        a.close(); // a slot frees: the queued connection is admitted and its byte goes through
        assertThat(queued.getInputStream().read()).isEqualTo('q');
      }
    }
    eventually(Duration.ofSeconds(5), "all closed", () -> limited.activeConnections() == 0);
    try (Socket c = open("limited"); Socket d = open("limited")) {
      // Admitted one after the other: connections opened together may be accepted in any order.
      assertThat(BalancerClusterTest.roundTrip(c, "c")).isEqualTo("c");
      assertThat(BalancerClusterTest.roundTrip(d, "d")).isEqualTo("d");
      Socket late = open("limited");
      late.getOutputStream().write("waiting".getBytes());
      long t0 = System.nanoTime();
      assertThat(late.getInputStream().read()).as("timed out in the queue, closed with a FIN").isEqualTo(-1);
      late.close();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(300L, 4000L);
      assertThat(limited.queueTimeouts()).isEqualTo(1);
    }
    eventually(Duration.ofSeconds(5), "access log has the rejected and timed-out sessions", () ->
        lines().stream().anyMatch(l -> l.contains("frontend=limited") && l.contains("end=rejected"))
            && lines().stream().anyMatch(l -> l.contains("frontend=limited") && l.contains("end=timeout")));
  }

  /**
   * The idle timeout of a connection still queued ends it like any refused one: a FIN, never a reset; and its place
   * in the queue goes with it, not at its 20 s queue timeout.
   */
  @Test
  void anIdleTimeoutWhileQueuedClosesWithAFinAndFreesItsPlace() throws Exception {
    Frontend impatient = balancer.frontends().get("impatient");
    try (Socket a = open("impatient")) {
      assertThat(BalancerClusterTest.roundTrip(a, "a")).isEqualTo("a"); // admitted before the next one opens
      try (Socket queued = open("impatient")) {
        queued.getOutputStream().write("unread".getBytes()); // unread bytes: a plain close would send an RST
        queued.setSoTimeout(100);
        int got = -2;
        for (int i = 0; i < 100 && got == -2; i++) { // at most ~10 s; a's round trips keep it from idling out
          busy(a);
          try {
            got = queued.getInputStream().read();
          } catch (SocketTimeoutException stillWaiting) {
            // not idle long enough yet
          }
        }
        assertThat(got).as("idle in the queue: closed with a FIN").isEqualTo(-1);
      }
      // Each poll is also a round trip on a, so that a never idles out: its slot freeing would empty the queue too.
      eventually(Duration.ofSeconds(5), "its place in the queue freed", () -> busy(a) && impatient.queued() == 0);
      try (Socket next = open("impatient")) {
        next.getOutputStream().write('n');
        eventually(Duration.ofSeconds(5), "the next one queued or rejected",
            () -> busy(a) && (impatient.queued() == 1 || impatient.rejected() > 0));
        assertThat(impatient.rejected()).as("queued, not rejected").isZero();
        a.close();
        assertThat(next.getInputStream().read()).as("admitted when the slot frees").isEqualTo('n');
      }
    }
    assertThat(impatient.queueTimeouts()).isZero();
  }

  /** One round trip on {@code s}, which must succeed; true, for use inside a condition. */
  private static boolean busy(Socket s) {
    try {
      assertThat(BalancerClusterTest.roundTrip(s, "b")).isEqualTo("b");
      return true;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void serversAtTheirMaxconnMakeConnectionsWaitForRoom() throws Exception {
    Frontend capped = balancer.frontends().get("capped");
    long rejectedBefore = capped.rejected();
    long timeoutsBefore = capped.queueTimeouts();
    List<PoolMember> servers = balancer.pools().usable("capped");
    try (Socket a = open("capped"); Socket b = open("capped")) {
      assertThat(BalancerClusterTest.roundTrip(a, "a")).isEqualTo("a");
      assertThat(BalancerClusterTest.roundTrip(b, "b")).isEqualTo("b");
      assertThat(servers).allSatisfy(m -> assertThat(m.active()).as(m + " holds one").isEqualTo(1));
      try (Socket waiting = open("capped")) {
        waiting.getOutputStream().write('w');
        eventually(Duration.ofSeconds(5), "third connection waits for a server", () -> capped.queued() == 1);
        try (Socket rejected = open("capped")) {
          rejected.getOutputStream().write("unread".getBytes());
          assertThat(rejected.getInputStream().read()).as("server queue full: closed with a FIN").isEqualTo(-1);
        }
        assertThat(capped.rejected()).isEqualTo(rejectedBefore + 1);
        assertThat(servers).allSatisfy(m -> assertThat(m.active()).as(m + " still one").isEqualTo(1));
        JsonObject status = new AdminHttp(balancer.admin().actualPort(), null).get("/api/status").json();
        JsonObject f = status.getJsonArray("frontends").stream()
            .map(o -> (JsonObject) o).filter(o -> o.getString("name").equals("capped")).findFirst()
            .orElseThrow();
        assertThat(f.getLong("queued")).isEqualTo(1);
        assertThat(f.getLong("rejected")).isEqualTo(rejectedBefore + 1);
        assertThat(status.getJsonObject("pools").getJsonObject("capped").getJsonArray("servers"))
            .allSatisfy(o -> assertThat(((JsonObject) o).getInteger("maxconn")).isEqualTo(1));
        a.close(); // one server has room again: the waiting connection goes there, with its byte
        assertThat(waiting.getInputStream().read()).isEqualTo('w');
        assertThat(servers).allSatisfy(m -> assertThat(m.active()).as(m + " never above maxconn").isEqualTo(1));
        long t0 = System.nanoTime();
        try (Socket late = open("capped")) {
          late.getOutputStream().write('x');
          assertThat(late.getInputStream().read()).as("no room within queueTimeoutMs: a FIN").isEqualTo(-1);
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(300L, 4000L);
        assertThat(capped.queueTimeouts()).isEqualTo(timeoutsBefore + 1);
      }
    }
    eventually(Duration.ofSeconds(5), "all closed", () -> servers.stream().allMatch(m -> m.active() == 0));
  }

  /**
   * A client that sends without reading: the echo comes back faster than it is read, the balancer stops reading
   * from the server and then from the client, and holds a bounded number of bytes however much the client pushes.
   */
  @Test
  void aClientThatNeverReadsIsHeldBackAndTheBalancerBuffersBoundedBytes() throws Exception {
    Frontend echo = balancer.frontends().get("echo");
    long limit = 64L << 20;
    AtomicLong written = new AtomicLong();
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port("echo")));
      Thread writer = new Thread(() -> {
        byte[] chunk = new byte[64 * 1024];
        try {
          OutputStream out = slow.getOutputStream();
          while (written.get() < limit) {
            out.write(chunk);
            written.addAndGet(chunk.length);
          }
        } catch (IOException closedAtTheEnd) {
          // the test closes the socket
        }
      });
      writer.setDaemon(true);
      writer.start();
      TestCluster.awaitStalled(written::get, Duration.ofSeconds(1), Duration.ofSeconds(30), "the writer stalls");
      assertThat(written.get()).as("backpressure reached the client").isLessThan(limit);
      assertThat(echo.pendingBytes()).as("bytes the balancer holds").isBetween(1L, 1L << 20);
      assertThat(BalancerClusterTest.echoOnce(port("echo"), "others still served")).isEqualTo("others still served");
    }
    eventually(Duration.ofSeconds(5), "nothing held once it closed", () -> echo.pendingBytes() == 0);
    // The server was blocked writing back; its connection must close too, not linger until its drain timeout.
    PoolMember server = balancer.pools().usable("echo").get(0);
    eventually(Duration.ofSeconds(5), "the server connection closed", () -> server.active() == 0);
  }

  @Test
  void anIdleSessionIsClosedAndLoggedAsTimeout() throws Exception {
    try (Socket s = open("idle")) {
      assertThat(BalancerClusterTest.roundTrip(s, "x")).isEqualTo("x");
      long t0 = System.nanoTime();
      try {
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("not closed for idleness within 5 s", e);
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(200L, 3000L);
    }
    eventually(Duration.ofSeconds(5), "access log line", () -> lines().stream()
        .anyMatch(l -> l.contains("frontend=idle") && l.contains("end=timeout") && l.contains("server=ls1/echo@")));
  }

  @Test
  void everyFinishedSessionHasOneAccessLogLine() throws Exception {
    int local;
    try (Socket s = open("echo")) {
      assertThat(BalancerClusterTest.roundTrip(s, "logged")).isEqualTo("logged");
      local = s.getLocalPort();
    }
    // This session's lines, by its client port: sessions of the other tests may still be logging their end.
    String client = " frontend=echo client=/127.0.0.1:" + local + " ";
    eventually(Duration.ofSeconds(5), "its line", () -> lines().stream().anyMatch(l -> l.contains(client)));
    List<String> mine = lines().stream().filter(l -> l.contains(client)).toList();
    assertThat(mine).hasSize(1);
    String line = mine.get(0);
    assertThat(line).contains("frontend=echo", "client=/127.0.0.1:", "server=ls1/echo@127.0.0.1:", "bytes_in=6",
        "bytes_out=6", "end=").containsPattern("connect_ms=\\d+ duration_ms=\\d+");
    assertThat(line).containsPattern("end=(client-closed|server-closed)");
  }

  static List<String> lines() {
    synchronized (access.list) {
      return access.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
