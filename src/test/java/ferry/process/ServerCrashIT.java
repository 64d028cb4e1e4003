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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The built jar, as an operator runs it: two server JVMs and a balancer JVM; one server is SIGKILLed. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServerCrashIT {
  private final JarCluster cluster = new JarCluster(5931);

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  @Test
  void afterASigkilledServerEveryNewConnectionSucceeds() throws Exception {
    int echoPort = TestPorts.free();
    NodeProcess a = cluster.start("it-server-a", "server");
    NodeProcess b = cluster.start("it-server-b", "server");
    NodeProcess balancer = cluster.start("it-balancer", "balancer", "admin.port=" + TestPorts.free(),
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
      NodeProcess balancer = cluster.start("it-balancer-busy", "balancer", "admin.port=" + TestPorts.free(),
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
