package ferry.process;

import ferry.TestPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The built jar, as an operator runs it: two server JVMs and a balancer JVM; one server is SIGKILLed. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServerCrashIT {
  private final List<NodeProcess> started = new ArrayList<>();
  private final String cluster = "ferry-it-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void stopAll() {
    started.forEach(NodeProcess::close);
  }

  private NodeProcess start(String name, String role, String... sets) {
    List<String> args = new ArrayList<>(List.of("--role", role, "--set", "node.name=" + name,
        "--set", "cluster.name=" + cluster, "--set", "cluster.port=5931",
        "--set", "cluster.members=[\"127.0.0.1:5931-5940\"]"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    NodeProcess p = NodeProcess.start(name, args);
    started.add(p);
    return p;
  }

  @Test
  void afterASigkilledServerEveryNewConnectionSucceeds() throws Exception {
    int echoPort = TestPorts.free();
    NodeProcess a = start("it-server-a", "server");
    NodeProcess b = start("it-server-b", "server");
    NodeProcess balancer = start("it-balancer", "balancer", "admin.port=" + TestPorts.free(),
        "frontends.echo.port=" + echoPort, "frontends.whoami.port=" + TestPorts.free(),
        "frontends.lines.port=" + TestPorts.free());
    balancer.awaitLog("frontend echo: listening", Duration.ofSeconds(60));
    balancer.awaitLog("node joined: it-server-a", Duration.ofSeconds(60));
    balancer.awaitLog("node joined: it-server-b", Duration.ofSeconds(60));
    for (int i = 0; i < 10; i++) {
      assertThat(echo(echoPort, "before-" + i)).isEqualTo("before-" + i);
    }

    a.kill();
    balancer.awaitLog("node left: it-server-a", Duration.ofSeconds(30));

    int ok = 0;
    for (int i = 0; i < 100; i++) {
      if (echo(echoPort, "after-" + i).equals("after-" + i)) {
        ok++;
      }
    }
    assertThat(ok).isEqualTo(100);
    assertThat(b.output()).doesNotContain("ERROR");
  }

  @Test
  void aPortInUseIsAClearErrorAndExitCodeOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      NodeProcess balancer = start("it-balancer-busy", "balancer", "admin.port=" + TestPorts.free(),
          "frontends.echo.port=" + taken.getLocalPort(), "frontends.whoami.port=" + TestPorts.free(),
          "frontends.lines.port=" + TestPorts.free());
      assertThat(balancer.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
      assertThat(balancer.output())
          .contains("frontend echo: cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .doesNotContain("\tat ");
    }
  }

  static String echo(int port, String text) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(text.getBytes());
      s.shutdownOutput();
      return new String(s.getInputStream().readAllBytes());
    } catch (IOException e) {
      return "failed: " + e;
    }
  }
}
