package ferry.process;

import ferry.TestPorts;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Message mode's promise, with the built jar as separate JVMs: a server is SIGKILLed under a verifying client
 * load and the client loses nothing, because each request whose server died is sent to another one.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class MessageFailoverIT {
  private final List<NodeProcess> started = new ArrayList<>();
  private final String cluster = "ferry-it-msg-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void stopAll() {
    started.forEach(NodeProcess::close);
  }

  private NodeProcess start(String name, List<String> args) {
    List<String> all = new ArrayList<>(args);
    if (!args.contains("client")) { // the client joins no cluster
      all.addAll(List.of("--set", "cluster.name=" + cluster, "--set", "cluster.port=5941",
          "--set", "cluster.members=[\"127.0.0.1:5941-5950\"]", "--set", "admin.enabled=false"));
    }
    NodeProcess p = NodeProcess.start(name, all);
    started.add(p);
    return p;
  }

  @Test
  void aSigkilledServerCostsTheClientNoRequest() throws Exception {
    int lines = TestPorts.free();
    NodeProcess first = start("msg-server-1", List.of("--role", "server", "--set", "node.name=msg-server-1"));
    first.awaitLog("server msg-server-1 up", Duration.ofSeconds(60));
    NodeProcess second = start("msg-server-2", List.of("--role", "server", "--set", "node.name=msg-server-2"));
    NodeProcess third = start("msg-server-3", List.of("--role", "server", "--set", "node.name=msg-server-3"));
    NodeProcess balancer = start("msg-balancer", List.of("--role", "balancer", "--set", "node.name=msg-balancer",
        "--set", "frontends.echo.port=" + TestPorts.free(), "--set", "frontends.whoami.port=" + TestPorts.free(),
        "--set", "frontends.lines.port=" + lines));
    for (String s : List.of("msg-server-1", "msg-server-2", "msg-server-3")) {
      balancer.awaitLog("node joined: " + s, Duration.ofSeconds(60));
    }
    balancer.awaitLog("frontend lines: listening", Duration.ofSeconds(60));

    NodeProcess client = start("msg-client", List.of("--role", "client", "--target", "127.0.0.1:" + lines,
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
