package ferry.client;

import ferry.TestPorts;
import ferry.client.ClientOptions.Target;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientLoadTest {

  private final List<NetServer> servers = new ArrayList<>();

  @AfterEach
  void closeServers() throws Exception {
    for (NetServer s : servers) {
      s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private int startServer(Vertx vertx, Consumer<NetSocket> onConnect) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(onConnect::accept);
    servers.add(server);
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).actualPort();
  }

  private int startEcho(Vertx vertx) throws Exception {
    return startServer(vertx, so -> so.handler(so::write));
  }

  private static final class Run {
    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    int exit;

    Run go(ClientOptions opts) {
      PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
      PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
      exit = Client.run(opts, out, err, new ByteArrayInputStream(new byte[0]));
      return this;
    }

    String out() {
      return outBytes.toString(StandardCharsets.UTF_8);
    }

    String err() {
      return errBytes.toString(StandardCharsets.UTF_8);
    }

    JsonObject json() {
      String[] lines = out().split("\\R");
      return new JsonObject(lines[lines.length - 1]);
    }
  }

  private static ClientOptions requests(List<Target> targets, int connections, long requests, int size) {
    return new ClientOptions(targets, connections, null, requests, size, true, 2000);
  }

  @Test
  void echoRunCompletesTheBudgetCleanly(Vertx vertx) throws Exception {
    int port = startEcho(vertx);
    Run run = new Run().go(requests(List.of(new Target("127.0.0.1", port)), 4, 2000, 64));

    assertThat(run.exit).as(run.err()).isZero();
    JsonObject json = run.json();
    assertThat(json.getLong("requests")).isEqualTo(2000L);
    assertThat(json.getLong("failedConnects")).isZero();
    assertThat(json.getLong("brokenSessions")).isZero();
    assertThat(json.getLong("mismatchedBytes")).isZero();
    assertThat(json.getLong("failedRequests")).isZero();
    assertThat(json.getDouble("throughputPerSec")).isPositive();
    JsonObject latency = json.getJsonObject("latencyUs");
    for (String key : List.of("p50", "p90", "p99", "p999", "max")) {
      assertThat(latency.getLong(key)).as(key).isNotNull().isGreaterThanOrEqualTo(0L);
    }
    assertThat(latency.getLong("max")).isGreaterThanOrEqualTo(latency.getLong("p50"));
    // JSON mode keeps stdout machine-readable: the report is its only line.
    assertThat(run.out().strip().split("\\R")).hasSize(1);
    assertThat(run.err()).contains("requests:").contains("p99.9=");
  }

  @Test
  void payloadsLargerThanOneBufferAreReassembled(Vertx vertx) throws Exception {
    int port = startEcho(vertx);
    Run run = new Run().go(requests(List.of(new Target("127.0.0.1", port)), 2, 50, 256 * 1024 + 3));

    assertThat(run.exit).as(run.err()).isZero();
    assertThat(run.json().getLong("requests")).isEqualTo(50L);
    assertThat(run.json().getLong("mismatchedBytes")).isZero();
  }

  @Test
  void corruptedRepliesAreCountedAndFailTheRun(Vertx vertx) throws Exception {
    int port = startServer(vertx, so -> so.handler(buf -> {
      Buffer copy = buf.copy();
      copy.setByte(0, (byte) ~copy.getByte(0));
      so.write(copy);
    }));
    Run run = new Run().go(requests(List.of(new Target("127.0.0.1", port)), 2, 200, 64));

    assertThat(run.exit).isEqualTo(1);
    JsonObject json = run.json();
    assertThat(json.getLong("mismatchedBytes")).isPositive();
    assertThat(json.getLong("requests")).isEqualTo(200L);
    assertThat(json.getLong("brokenSessions")).isZero();
    // Raw mode too: every reply had a flipped byte, so no request got a correct reply.
    assertThat(json.getLong("failedRequests")).isEqualTo(200L);
  }

  @Test
  void brokenSessionsReconnectAndStillFinishTheBudget(Vertx vertx) throws Exception {
    int size = 32;
    // Hangs up on every 5th request instead of answering it.
    int port = startServer(vertx, so -> {
      long[] seen = {0};
      so.handler(buf -> {
        seen[0] += buf.length();
        if (seen[0] >= 5L * size) {
          so.close();
        } else {
          so.write(buf);
        }
      });
    });
    Run run = new Run().go(requests(List.of(new Target("127.0.0.1", port)), 3, 100, size));

    assertThat(run.exit).isEqualTo(1);
    JsonObject json = run.json();
    assertThat(json.getLong("brokenSessions")).isPositive();
    assertThat(json.getLong("requests")).isEqualTo(100L);
    assertThat(json.getLong("mismatchedBytes")).isZero();
    // Each broken session lost exactly its one outstanding request.
    assertThat(json.getLong("failedRequests")).isEqualTo(json.getLong("brokenSessions"));
  }

  @Test
  void durationRunPrintsProgressAndStopsOnTime(Vertx vertx) throws Exception {
    int port = startEcho(vertx);
    ClientOptions opts = new ClientOptions(List.of(new Target("127.0.0.1", port)), 3,
        Duration.ofMillis(1500), 0, 100, false, 2000);
    long start = System.nanoTime();
    Run run = new Run().go(opts);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(run.exit).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("t=1s requests=\\d+ rps=\\d+ p99=\\d+us failedConnects=0 "
        + "brokenSessions=0 mismatchedBytes=0 failedRequests=0");
    assertThat(run.out()).contains("requests:").contains("throughput:").contains("p99.9=");
    // Generous slack for Vert.x start-up on a busy machine; the point is that the run ends.
    assertThat(tookMs).isLessThan(1500 + 5000 + 10_000);
  }

  @Test
  void unreachableTargetsCountFailedConnectsWithinTheDuration() throws Exception {
    int closed = TestPorts.free();
    ClientOptions opts = new ClientOptions(List.of(new Target("127.0.0.1", closed)), 2,
        Duration.ofMillis(500), 0, 16, true, 1000);
    Run run = new Run().go(opts);

    assertThat(run.exit).isEqualTo(1);
    assertThat(run.json().getLong("failedConnects")).isPositive();
    assertThat(run.json().getLong("requests")).isZero();
  }

  @Test
  void silentServerEndsAfterTheGracePeriodWithBrokenSessions(Vertx vertx) throws Exception {
    int port = startServer(vertx, so -> so.handler(buf -> { }));
    ClientOptions opts = new ClientOptions(List.of(new Target("127.0.0.1", port)), 2,
        Duration.ofMillis(300), 0, 16, true, 1000);
    long start = System.nanoTime();
    Run run = new Run().go(opts);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(run.exit).isEqualTo(1);
    assertThat(run.json().getLong("brokenSessions")).isEqualTo(2L);
    assertThat(run.json().getLong("failedRequests")).isEqualTo(2L);
    assertThat(run.json().getLong("requests")).isZero();
    assertThat(tookMs).isBetween(300L + 4000L, 300L + 5000L + 10_000L);
  }
}
