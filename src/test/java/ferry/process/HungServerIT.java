package ferry.process;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hung server (SIGSTOP) keeps its sockets: the kernel still accepts connections, Hazelcast still counts it
 * until heartbeats run out. Health checks that want a real answer take it out of rotation in seconds.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HungServerIT {
  private final List<NodeProcess> started = new ArrayList<>();
  private final List<Long> stopped = new ArrayList<>();
  private final String cluster = "ferry-it-hung-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void stopAll() throws Exception {
    for (long pid : stopped) {
      signal("CONT", pid); // never leave a frozen process behind
    }
    started.forEach(NodeProcess::close);
  }

  private NodeProcess start(String name, String role, String... sets) {
    List<String> args = new ArrayList<>(List.of("--role", role, "--set", "node.name=" + name,
        "--set", "cluster.name=" + cluster, "--set", "cluster.port=5951",
        "--set", "cluster.members=[\"127.0.0.1:5951-5960\"]", "--set", "admin.enabled=false"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    NodeProcess p = NodeProcess.start(name, args);
    started.add(p);
    return p;
  }

  @Test
  void aFrozenServerIsOutOfRotationWithinThreeSecondsAndBackAfterItResumes() throws Exception {
    int echoPort = freePort();
    NodeProcess a = start("hung-a", "server");
    a.awaitLog("server hung-a up", Duration.ofSeconds(60));
    NodeProcess b = start("hung-b", "server");
    NodeProcess balancer = start("hung-balancer", "balancer", "frontends.echo.port=" + echoPort,
        "frontends.whoami.port=" + freePort(), "frontends.lines.port=" + freePort());
    balancer.awaitLog("node joined: hung-a", Duration.ofSeconds(60));
    balancer.awaitLog("node joined: hung-b", Duration.ofSeconds(60));
    balancer.awaitLog("frontend echo: listening", Duration.ofSeconds(60));

    long frozeAt = System.nanoTime();
    signal("STOP", b.pid());
    stopped.add(b.pid());
    balancer.awaitLog("server hung-b/echo@\\S+ in pool echo is down", Duration.ofSeconds(10));
    long outMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozeAt);
    assertThat(outMs).as("out of rotation (ms)").isLessThanOrEqualTo(3000);

    for (int i = 0; i < 20; i++) { // every new connection goes to the live server, none hangs
      assertThat(ServerCrashIT.echo(echoPort, "while-frozen-" + i)).isEqualTo("while-frozen-" + i);
    }

    signal("CONT", b.pid());
    stopped.remove(b.pid());
    long resumedAt = System.nanoTime();
    balancer.awaitLog("server hung-b/echo@\\S+ in pool echo is up again", Duration.ofSeconds(30));
    System.out.printf("hung server: out of rotation after %d ms, back %d ms after SIGCONT%n", outMs,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumedAt));
  }

  static void signal(String sig, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static boolean accepts(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
