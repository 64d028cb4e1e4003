package ferry.process;

import ferry.TestPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built jar's admin server and {@code --role ctl}, as an operator uses them: a balancer JVM with a token, a
 * server JVM, and ctl runs as JVMs of their own. Also proves the fat jar still loads Vert.x's metrics provider
 * next to Hazelcast's (both ship {@code META-INF/services/io.vertx.core.spi.VertxServiceProvider}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AdminIT {
  private static final String TOKEN = "it-secret-" + UUID.randomUUID();
  private final JarCluster cluster = new JarCluster(5931);

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  private record Run(int code, String out, String err) {
  }

  /** {@code java -jar ferry.jar --role ctl ARGS} with {@code FERRY_ADMIN_TOKEN} set to {@code token} (or unset). */
  private static Run ctl(String token, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", NodeProcess.JAR.toString(), "--role", "ctl"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("FERRY_ADMIN_TOKEN");
    if (token != null) {
      pb.environment().put("FERRY_ADMIN_TOKEN", token);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void ctlStatusDrainAndMetricsThroughTheJar() throws Exception {
    int adminPort = TestPorts.free();
    NodeProcess server = cluster.start("it-admin-server", "server");
    NodeProcess balancer = cluster.start("it-admin-balancer", "balancer", "admin.port=" + adminPort, "admin.token=" + TOKEN,
        "frontends.echo.port=" + TestPorts.free(), "frontends.whoami.port=" + TestPorts.free(),
        "frontends.lines.port=" + TestPorts.free());
    balancer.awaitLog("admin: listening on http://127.0.0.1:" + adminPort, Duration.ofSeconds(60));
    balancer.awaitLog("node joined: it-admin-server", Duration.ofSeconds(60));
    String admin = "127.0.0.1:" + adminPort;

    Run status = ctl(TOKEN, "status", "--admin", admin);
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.out()).startsWith("it-admin-balancer (balancer), up ")
        .containsPattern("(?m)^FRONTEND +ADDRESS")
        .containsPattern("(?m)^echo +it-admin-server +echo +127\\.0\\.0\\.1:\\d+ +up +1 +0")
        .containsPattern("(?m)^it-admin-server +server +\\S+$");

    Run refused = ctl(null, "drain", "it-admin-server", "--admin", admin);
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).startsWith("ferry: drain it-admin-server: missing bearer token").endsWith("(HTTP 401)\n");

    Run drained = ctl(TOKEN, "drain", "it-admin-server", "--admin", admin);
    assertThat(drained.code()).as(drained.err()).isZero();
    assertThat(drained.out()).startsWith("it-admin-server: draining");
    Run json = ctl(TOKEN, "status", "--json", "--admin", admin);
    assertThat(json.code()).isZero();
    assertThat(json.out()).contains("\"state\":\"draining\"");

    HttpResponse<String> metrics = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + admin + "/metrics")).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("ferry_frontend_connections_total{frontend=\"echo\"}")
        .contains("ferry_server_up{node=\"it-admin-server\",pool=\"echo\",service=\"echo\"} 0.0")
        .contains("vertx_http_server_requests_total");

    assertThat(balancer.output()).doesNotContain(TOKEN).doesNotContain("ERROR");
    assertThat(server.output()).doesNotContain("ERROR");
  }

  @Test
  void anAdminPortInUseIsAClearErrorAndExitCodeOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      NodeProcess balancer = cluster.start("it-admin-busy", "balancer", "admin.port=" + taken.getLocalPort(),
          "frontends.echo.port=" + TestPorts.free(), "frontends.whoami.port=" + TestPorts.free(),
          "frontends.lines.port=" + TestPorts.free());
      assertThat(balancer.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
      assertThat(balancer.output())
          .contains("cannot start: admin: cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .doesNotContain("\tat ");
    }
  }

  /** Overrides, the hash ring and status know nodes by name; two live nodes with one name get a warning. */
  @Test
  void twoLiveNodesWithOneNameAreWarnedAbout() {
    NodeProcess balancer = cluster.start("it-names-lb", "balancer", "admin.port=" + TestPorts.free(),
        "frontends.echo.port=" + TestPorts.free(), "frontends.whoami.port=" + TestPorts.free(),
        "frontends.lines.port=" + TestPorts.free());
    cluster.start("it-twin", "server");
    // The same node.name in a second JVM (its own log file): the later --set node.name wins.
    cluster.start("it-twin-2", "server", "node.name=it-twin");
    balancer.awaitLog("WARN .*node name it-twin is used by two live nodes", Duration.ofSeconds(60));
  }

  @Test
  void anOpenAdminHostWithoutATokenIsRefusedAtStart() throws Exception {
    NodeProcess balancer = cluster.start("it-admin-open", "balancer", "admin.host=0.0.0.0");
    assertThat(balancer.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
    assertThat(balancer.output()).contains("ferry: admin.token: missing");
  }
}
