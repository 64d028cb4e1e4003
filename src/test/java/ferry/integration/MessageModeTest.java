package ferry.integration;

import ferry.TestPorts;
import ferry.balancer.Balancer;
import ferry.balancer.Frontend;
import ferry.server.Server;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static ferry.integration.TestCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Message mode over real sockets and real cluster nodes: framing, order, per-request balancing, backpressure. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MessageModeTest {
  static TestCluster cluster;
  static Balancer balancer;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    balancer = cluster.balancer("mb1",
        "frontends.who={\"port\":" + TestPorts.free() + ",\"pool\":\"whoami\",\"mode\":\"message\"}",
        "frontends.len={\"port\":" + TestPorts.free() + ",\"pool\":\"echo\",\"mode\":\"message\",\"codec\":\"length\",\"maxFrameBytes\":1024}",
        "frontends.small={\"port\":" + TestPorts.free() + ",\"pool\":\"echo\",\"mode\":\"message\",\"maxInFlight\":8,\"maxFrameBytes\":100}",
        "frontends.slow={\"port\":" + TestPorts.free() + ",\"pool\":\"slow\",\"mode\":\"message\",\"requestTimeoutMs\":60000}");
    for (String s : List.of("m1", "m2", "m3")) {
      cluster.server(s);
    }
    eventually(Duration.ofSeconds(20), "3 message servers", () -> balancer.pools().messaging("echo").size() == 3);
    eventually(Duration.ofSeconds(20), "3 whoami servers", () -> balancer.pools().messaging("whoami").size() == 3);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static int port(String frontend) {
    return balancer.frontends().get(frontend).config().port();
  }

  /** What `nc -N 127.0.0.1 9100 < file` does: all lines, then FIN; the reply is the identical file. */
  @Test
  void aThousandPipelinedLinesComeBackIdenticalAndInOrder() throws Exception {
    StringBuilder file = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      file.append("line ").append(i).append(' ').append("x".repeat(i % 50)).append(i % 7 == 0 ? "\r\n" : "\n");
    }
    byte[] sent = file.toString().getBytes(StandardCharsets.UTF_8);
    String expected = file.toString().replace("\r\n", "\n");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port("lines"))) {
      s.setSoTimeout(20_000);
      Thread writer = new Thread(() -> writeAndShutdown(s, sent));
      writer.start();
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      writer.join(20_000);
      assertThat(reply).isEqualTo(expected);
    }
    Frontend lines = balancer.frontends().get("lines");
    eventually(Duration.ofSeconds(5), "no frames held", () -> lines.heldFrames() == 0);
  }

  @Test
  void eachRequestOfOneConnectionIsBalancedSeparately() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port("who"))) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      List<String> servers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        out.write("who?\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        servers.add(new JsonObject(in.readLine()).getString("server"));
      }
      assertThat(servers.subList(0, 3)).containsExactlyInAnyOrder("m1", "m2", "m3");
      assertThat(servers.subList(3, 6)).isEqualTo(servers.subList(0, 3));
    }
  }

  @Test
  void lengthCodecRoundTripsAndABadLengthClosesOnlyThatConnection() throws Exception {
    try (Socket good = new Socket(InetAddress.getLoopbackAddress(), port("len"));
         Socket bad = new Socket(InetAddress.getLoopbackAddress(), port("len"))) {
      good.setSoTimeout(10_000);
      bad.setSoTimeout(10_000);
      DataOutputStream out = new DataOutputStream(good.getOutputStream());
      DataInputStream in = new DataInputStream(good.getInputStream());
      byte[] payload = new byte[1000];
      new java.util.Random(7).nextBytes(payload);
      for (int i = 0; i < 3; i++) {
        out.writeInt(payload.length);
        out.write(payload);
      }
      out.flush();
      for (int i = 0; i < 3; i++) {
        assertThat(in.readInt()).isEqualTo(payload.length);
        byte[] back = new byte[payload.length];
        in.readFully(back);
        assertThat(back).isEqualTo(payload);
      }
      new DataOutputStream(bad.getOutputStream()).writeInt(-5);
      assertThat(bad.getInputStream().read()).as("a negative length closes the connection").isEqualTo(-1);
      out.writeInt(2000); // over maxFrameBytes 1024
      out.flush();
      assertThat(good.getInputStream().read()).as("an oversize length closes the connection").isEqualTo(-1);
    }
  }

  @Test
  void anOversizeLineGetsAnErrorLineAndTheConnectionGoesOn() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port("small"))) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      out.write(("before\n" + "y".repeat(500) + "\nafter\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      assertThat(in.readLine()).isEqualTo("before");
      assertThat(in.readLine()).startsWith("ERROR frame over maxFrameBytes (100)");
      assertThat(in.readLine()).isEqualTo("after");
    }
  }

  /**
   * A client that never reads: the balancer sends at most maxInFlight of its requests, stops reading, and holds
   * no more than that plus what one socket read brought in (at most 64 KiB), however much the client writes.
   */
  @Test
  void aClientThatNeverReadsIsHeldToMaxInFlight() throws Exception {
    Frontend small = balancer.frontends().get("small");
    AtomicLong written = new AtomicLong();
    byte[] line = ("z".repeat(90) + "\n").getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port("small"))) {
      s.setReceiveBufferSize(4096);
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = s.getOutputStream();
          for (int i = 0; i < 200_000; i++) { // 18 MB if nothing pushed back
            out.write(line);
            written.addAndGet(line.length);
          }
        } catch (IOException expectedWhenClosed) {
          // the socket is closed at the end of the test
        }
      });
      writer.setDaemon(true);
      writer.start();
      // Writing stalls: the balancer stopped reading, so TCP pushes back on the client. Had it kept reading, its
      // replies would pile up without bound and the 18 MB would all go in.
      eventually(Duration.ofSeconds(10), "the client writes", () -> written.get() > 0);
      TestCluster.awaitStalled(written::get, Duration.ofMillis(300), Duration.ofSeconds(30), "the client's writes stall");
      assertThat(written.get()).isLessThan(200_000L * line.length);
      long oneRead = 65536 / line.length + 1;
      // Replies not yet read wait in the balancer's bounded write buffer (or the sockets'), not as held frames.
      assertThat(small.heldFrames()).isBetween(0L, 8L + oneRead);
    }
    eventually(Duration.ofSeconds(10), "frames released after the client left", () -> small.heldFrames() == 0);
  }

  @Test
  void requestsToAServerThatLeavesAreSentElsewhereAtOnce() throws Exception {
    Server hang = cluster.server("hang", "services={}",
        "services.hang={\"type\":\"java\",\"class\":\"" + HangService.class.getName() + "\",\"pool\":\"slow\"}");
    Server live = cluster.server("live", "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"slow\"}");
    eventually(Duration.ofSeconds(20), "slow pool has 2", () -> balancer.pools().messaging("slow").size() == 2);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port("slow"))) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      // Round robin: of 4 requests, 2 go to the hung server and wait (the reply timeout is 60 s).
      out.write("a\nb\nc\nd\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      eventually(Duration.ofSeconds(10), "two requests stuck on the hung server",
          () -> balancer.frontends().get("slow").heldFrames() >= 2);
      long left = System.nanoTime();
      cluster.stop(hang);
      Set<String> replies = new HashSet<>();
      List<String> ordered = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String r = in.readLine();
        ordered.add(r);
        replies.add(r);
      }
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left);
      assertThat(ordered).containsExactly("a", "b", "c", "d");
      assertThat(waitedMs).as("re-sent on departure, not after the 60 s timeout").isLessThan(30_000);
    } finally {
      cluster.stop(live);
    }
  }

  private static void writeAndShutdown(Socket s, byte[] bytes) {
    try {
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
      s.shutdownOutput();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  static String drain(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.getInputStream().transferTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }
}
