package ferry.process;

import ferry.TestPorts;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Message mode's promise, with the built jar as separate JVMs: a server is SIGKILLed under a verifying client
 * load and the client loses nothing, because each request whose server died is sent to another one.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class MessageFailoverIT {
  private final JarCluster cluster = new JarCluster(5941, "admin.enabled=false");

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  @Test
  void aSigkilledServerCostsTheClientNoRequest() throws Exception {
    int lines = TestPorts.free();
    NodeProcess first = cluster.start("msg-server-1", "server");
    first.awaitLog("server msg-server-1 up", Duration.ofSeconds(60));
    NodeProcess second = cluster.start("msg-server-2", "server");
    NodeProcess third = cluster.start("msg-server-3", "server");
    NodeProcess balancer = cluster.start("msg-balancer", "balancer", "frontends.echo.port=" + TestPorts.free(),
        "frontends.whoami.port=" + TestPorts.free(), "frontends.lines.port=" + lines);
    for (String s : List.of("msg-server-1", "msg-server-2", "msg-server-3")) {
      balancer.awaitLog("node joined: " + s, Duration.ofSeconds(60));
    }
    balancer.awaitLog("frontend lines: listening", Duration.ofSeconds(60));

    NodeProcess client = cluster.run("msg-client", List.of("--role", "client", "--target", "127.0.0.1:" + lines,
        "--codec", "lines", "--connections", "10", "--duration", "12s", "--size", "32", "--json"));
    client.awaitLog("requests=[1-9]", Duration.ofSeconds(30)); // load is flowing
    second.kill();
    balancer.awaitLog("node left: msg-server-2", Duration.ofSeconds(30));
    assertThat(client.awaitExit(Duration.ofSeconds(60))).as(client.output()).isZero();

    String[] out = client.output().trim().split("\n");
    JsonObject summary = new JsonObject(out[out.length - 1]);
    assertThat(summary.getLong("requests")).isPositive();
    assertThat(summary.getLong("failedRequests")).isZero();
    assertThat(summary.getLong("brokenSessions")).isZero();
    assertThat(summary.getLong("mismatchedBytes")).isZero();
    assertThat(summary.getLong("failedConnects")).isZero();
    assertThat(third.output()).doesNotContain("ERROR");
  }
}
