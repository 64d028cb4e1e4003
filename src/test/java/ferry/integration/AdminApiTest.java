package ferry.integration;

import ferry.TestPorts;
import ferry.balancer.Balancer;
import ferry.balancer.PoolMember;
import ferry.ctl.Ctl;
import ferry.server.Server;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static ferry.integration.BalancerClusterTest.echoOnce;
import static ferry.integration.BalancerClusterTest.httpGet;
import static ferry.integration.TestCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin API of real balancers: {@code a} (no token) and {@code b} (a token, and a frontend whose pool nobody
 * serves), three servers. A drain asked of {@code a} must be applied by {@code b} within 1 s.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AdminApiTest {
  static final String TOKEN = "t0ken-for-tests";
  static TestCluster cluster;
  static Balancer a;
  static Balancer b;
  static AdminHttp apiA;
  static AdminHttp apiB;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    a = cluster.balancer("a");
    b = cluster.balancer("b", "admin.token=" + TOKEN, "frontends.nobody.port=" + TestPorts.free(),
        "frontends.nobody.pool=nobody");
    for (String s : List.of("s1", "s2", "s3")) {
      cluster.server(s);
    }
    for (Balancer lb : List.of(a, b)) {
      eventually(Duration.ofSeconds(20), "3 echo servers on " + lb.config().node().name(), () -> lb.pools().usable("echo").size() == 3);
      eventually(Duration.ofSeconds(20), "3 whoami servers", () -> lb.pools().usable("whoami").size() == 3);
    }
    apiA = new AdminHttp(a.admin().actualPort(), null);
    apiB = new AdminHttp(b.admin().actualPort(), TOKEN);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** Every test leaves the servers as announced: up, weight 1, on both balancers. */
  @AfterEach
  void restore() {
    for (String s : List.of("s1", "s2", "s3")) {
      assertThat(apiA.post("/api/nodes/" + s + "/enable").status()).isEqualTo(200);
      assertThat(apiA.put("/api/nodes/" + s + "/weight", "{\"weight\":null}").status()).isEqualTo(200);
    }
    for (Balancer lb : List.of(a, b)) {
      eventually(Duration.ofSeconds(5), "servers restored", () -> lb.pools().usable("echo").size() == 3
          && lb.pools().usable("echo").stream().allMatch(m -> m.weight() == 1));
    }
  }

  @Test
  void statusShowsNodeFrontendsPoolsAndNodes() throws Exception {
    long before = frontend(apiA.get("/api/status").json(), "echo").getLong("totalConnections");
    for (int i = 0; i < 3; i++) {
      assertThat(echoOnce(a.frontends().get("echo").config().port(), "hello" + i)).isEqualTo("hello" + i);
    }
    eventually(Duration.ofSeconds(5), "connections closed", () -> a.frontends().get("echo").activeConnections() == 0);
    AdminHttp.Reply reply = apiA.get("/api/status");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.contentType()).startsWith("application/json");
    JsonObject status = reply.json();

    JsonObject node = status.getJsonObject("node");
    assertThat(node.getString("name")).isEqualTo("a");
    assertThat(node.getString("role")).isEqualTo("balancer");
    assertThat(node.getLong("uptimeMs")).isPositive();
    assertThat(node.getInteger("clusterSize")).isEqualTo(5);

    JsonObject echo = frontend(status, "echo");
    assertThat(echo.getString("address")).isEqualTo("127.0.0.1:" + a.frontends().get("echo").config().port());
    assertThat(echo.getString("mode")).isEqualTo("tcp");
    assertThat(echo.getString("pool")).isEqualTo("echo");
    assertThat(echo.getString("algorithm")).isEqualTo("roundrobin");
    assertThat(echo.getLong("totalConnections") - before).isEqualTo(3);
    assertThat(echo.getLong("activeConnections")).isZero();
    assertThat(echo.getLong("bytesIn")).isGreaterThanOrEqualTo(18); // "helloN" x 3
    assertThat(echo.getLong("bytesOut")).isGreaterThanOrEqualTo(18);
    assertThat(echo.getLong("connectFailures")).isZero();

    JsonArray servers = status.getJsonObject("pools").getJsonObject("echo").getJsonArray("servers");
    assertThat(servers).hasSize(3);
    JsonObject s1 = servers.getJsonObject(0);
    assertThat(s1.getString("name")).isEqualTo("s1");
    assertThat(s1.getString("service")).isEqualTo("echo");
    assertThat(s1.getString("address")).startsWith("127.0.0.1:");
    assertThat(s1.getString("state")).isEqualTo("up");
    assertThat(s1.getString("announcedState")).isEqualTo("up");
    assertThat(s1.getInteger("weight")).isEqualTo(1);
    assertThat(s1.getInteger("activeConnections")).isZero();
    assertThat(s1.containsKey("override")).isTrue();
    assertThat(s1.getValue("override")).isNull();

    List<String> nodes = new ArrayList<>();
    status.getJsonArray("nodes").forEach(n -> nodes.add(((JsonObject) n).getString("name") + "/" + ((JsonObject) n).getString("role")));
    assertThat(nodes).containsExactly("a/balancer", "b/balancer", "s1/server", "s2/server", "s3/server");
  }

  @Test
  void aDrainAskedOfAIsAppliedByBWithinOneSecondAndEnableRestores() throws Exception {
    AdminHttp.Reply drained = apiA.post("/api/nodes/s2/drain");
    long answered = System.nanoTime();
    assertThat(drained.status()).isEqualTo(200);
    assertThat(drained.json().getJsonObject("override").getString("state")).isEqualTo("draining");
    eventually(Duration.ofSeconds(1).minusNanos(System.nanoTime() - answered), "b stops using s2",
        () -> b.pools().usable("whoami").stream().noneMatch(m -> m.node().equals("s2")));
    assertThat(b.pools().all("whoami").stream().filter(m -> m.node().equals("s2")).map(PoolMember::state))
        .containsExactly("draining");
    List<String> answeredBy = whoamiThrough(b, 6);
    assertThat(answeredBy).doesNotContain("s2").contains("s1", "s3");

    JsonObject s2 = server(apiB.get("/api/status").json(), "echo", "s2");
    assertThat(s2.getString("state")).isEqualTo("draining");
    assertThat(s2.getString("announcedState")).isEqualTo("up");
    assertThat(s2.getJsonObject("override").getString("state")).isEqualTo("draining");

    assertThat(apiB.post("/api/nodes/s2/enable").status()).isEqualTo(200); // from the other balancer this time
    long enabled = System.nanoTime();
    eventually(Duration.ofSeconds(1).minusNanos(System.nanoTime() - enabled), "a uses s2 again",
        () -> a.pools().usable("whoami").stream().anyMatch(m -> m.node().equals("s2")));
    eventually(Duration.ofSeconds(1), "b uses s2 again",
        () -> b.pools().usable("whoami").stream().anyMatch(m -> m.node().equals("s2")));
    assertThat(whoamiThrough(b, 6)).contains("s1", "s2", "s3");
  }

  @Test
  void aWeightChangeIsVisibleInEveryBalancersStatus() {
    AdminHttp.Reply r = apiA.put("/api/nodes/s3/weight", "{\"weight\": 5}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getJsonObject("override").getInteger("weight")).isEqualTo(5);
    for (AdminHttp api : List.of(apiA, apiB)) {
      eventually(Duration.ofSeconds(1), "weight 5 shown", () -> server(api.get("/api/status").json(), "echo", "s3").getInteger("weight") == 5);
      JsonObject s3 = server(api.get("/api/status").json(), "whoami", "s3");
      assertThat(s3.getInteger("announcedWeight")).isEqualTo(1);
      assertThat(s3.getJsonObject("override").getInteger("weight")).isEqualTo(5);
      assertThat(s3.getString("state")).isEqualTo("up");
    }
    assertThat(apiA.put("/api/nodes/s3/weight", "{\"weight\": 0}").status()).isEqualTo(200);
    eventually(Duration.ofSeconds(1), "weight 0 takes s3 out of b's usable list",
        () -> b.pools().usable("echo").stream().noneMatch(m -> m.node().equals("s3")));
  }

  @Test
  void errorsAreJsonWithTheRightStatus() {
    assertError(apiA.post("/api/nodes/nope/drain"), 404, "unknown node \"nope\"");
    assertError(apiA.put("/api/nodes/nope/weight", "{\"weight\":1}"), 404, "unknown node");
    assertError(apiA.put("/api/nodes/s1/weight", "abc"), 400, "{\"weight\": N}");
    assertError(apiA.put("/api/nodes/s1/weight", "{}"), 400, "{\"weight\": N}");
    assertError(apiA.put("/api/nodes/s1/weight", "[1]"), 400, "{\"weight\": N}");
    assertError(apiA.put("/api/nodes/s1/weight", "{\"weight\":1,\"x\":2}"), 400, "{\"weight\": N}");
    assertError(apiA.put("/api/nodes/s1/weight", "{\"weight\":\"x\"}"), 400, "0..256");
    assertError(apiA.put("/api/nodes/s1/weight", "{\"weight\":257}"), 400, "0..256");
    assertError(apiA.put("/api/nodes/s1/weight", "{\"weight\":1.5}"), 400, "integer");
    assertError(apiA.get("/api/nothing"), 404, "no such endpoint");

    assertError(apiB.withToken(null).get("/api/status"), 401, "missing bearer token");
    assertError(apiB.withToken("wrong").get("/api/status"), 401, "bad bearer token");
    assertError(apiB.withToken("wrong").post("/api/nodes/s1/drain"), 401, "bad bearer token");
    assertError(apiB.withToken(null).get("/metrics"), 401, "bearer");
    assertThat(apiB.get("/api/status").status()).isEqualTo(200);
    assertThat(b.pools().usable("echo")).hasSize(3); // the refused drain changed nothing
  }

  @Test
  void theDashboardIsServedWithoutATokenButItsApiCallsNeedOne() {
    // A browser cannot send a bearer token when it opens a page; the page holds no data and asks for the token.
    for (AdminHttp api : List.of(apiA, apiB.withToken(null))) {
      AdminHttp.Reply page = api.get("/");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.contentType()).startsWith("text/html");
      assertThat(page.body()).contains("<title>Ferry dashboard</title>").doesNotContain("http://", "https://");
      assertThat(api.get("/dashboard.js").status()).isEqualTo(200);
      // Nothing from the internet: the only URL in the script is SVG's namespace name, which is never fetched.
      assertThat(api.get("/dashboard.js").body().replace("http://www.w3.org/2000/svg", "")).contains("/api/status")
          .doesNotContain("http://", "https://");
      assertThat(api.get("/dashboard.css").contentType()).startsWith("text/css");
    }
    assertError(apiB.withToken(null).get("/api/status"), 401, "missing bearer token");
    assertError(apiB.withToken(null).get("/nothing.js"), 401, "missing bearer token"); // no file: the API's rules
    assertError(apiA.get("/nothing.js"), 404, "no such endpoint");
    assertError(apiB.withToken(null).post("/"), 401, "missing bearer token");
  }

  @Test
  void reloadWithoutAConfigFileIsAConflict() {
    assertError(apiA.post("/api/reload"), 409, "started without --config");
    assertError(apiB.withToken(null).post("/api/reload"), 401, "missing bearer token");
  }

  @Test
  void metricsHaveFerryAndVertxSeries() {
    apiA.get("/api/status"); // an HTTP request for Vert.x's own server metrics
    AdminHttp.Reply r = apiA.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("text/plain");
    assertThat(r.body())
        .contains("ferry_frontend_active_connections{frontend=\"echo\"}")
        .contains("ferry_frontend_connections_total{frontend=\"echo\"}")
        .contains("ferry_frontend_bytes_total{direction=\"in\",frontend=\"echo\"}")
        .contains("ferry_frontend_connect_failures_total{frontend=\"whoami\"}")
        .contains("ferry_server_active_connections{node=\"s1\",pool=\"echo\",service=\"echo\"}")
        .contains("ferry_server_up{node=\"s2\",pool=\"whoami\",service=\"whoami\"} 1.0")
        .contains("ferry_server_weight{node=\"s3\",pool=\"echo\",service=\"echo\"} 1.0")
        .contains("ferry_server_health_up{node=\"s1\",pool=\"echo\",service=\"echo\"} 1.0")
        .contains("ferry_server_health_check_latency_milliseconds{node=\"s1\",pool=\"echo\",service=\"echo\"}")
        .contains("ferry_frontend_rejected_total{frontend=\"echo\"}")
        .contains("ferry_frontend_queued{frontend=\"echo\"}")
        .contains("ferry_frontend_requests_total{frontend=\"lines\"}")
        .contains("ferry_frontend_request_retries_total{frontend=\"lines\"}")
        .contains("ferry_cluster_members 5.0")
        .contains("vertx_http_server_requests_total");
  }

  @Test
  void healthLiveAndReady() {
    AdminHttp.Reply live = apiA.get("/health/live");
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().getString("status")).isEqualTo("UP");
    assertThat(apiA.get("/health/ready").status()).isEqualTo(200);

    AdminHttp.Reply notReady = apiB.get("/health/ready"); // frontend nobody: pool nobody has no server
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.json().getString("status")).isEqualTo("DOWN");
    assertThat(notReady.body()).contains("\"pool\":\"nobody\"").doesNotContain("\"pool\":\"echo\"");

    Server nobody = cluster.server("s-nobody", "services={}", "services.echo={\"type\":\"echo\",\"pool\":\"nobody\"}");
    try {
      eventually(Duration.ofSeconds(10), "b ready once pool nobody has a server", () -> apiB.get("/health/ready").status() == 200);
    } finally {
      cluster.stop(nobody);
    }
    eventually(Duration.ofSeconds(10), "b not ready again", () -> apiB.get("/health/ready").status() == 503);
    eventually(Duration.ofSeconds(10), "a forgot s-nobody",
        () -> a.live().size() == 5 && a.node().hazelcast().getCluster().getMembers().size() == 5);
  }

  @Test
  void ctlStatusPrintsTheTablesAndCtlDrainWorksWithTheToken() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Ctl.run(List.of("status"), "127.0.0.1:" + a.admin().actualPort(), null, false, print(out), print(err));
    assertThat(code).as(err.toString()).isZero();
    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(table).startsWith("a (balancer), up ")
        .containsPattern("(?m)^FRONTEND +ADDRESS +MODE +POOL +ALGORITHM +ACTIVE +TOTAL")
        .containsPattern("(?m)^echo +127\\.0\\.0\\.1:\\d+ +tcp +echo +roundrobin +\\d+ +\\d+")
        .containsPattern("(?m)^POOL +SERVER +SERVICE +ADDRESS +STATE +WEIGHT +ACTIVE")
        .containsPattern("(?m)^whoami +s2 +whoami +127\\.0\\.0\\.1:\\d+ +up +1 +0")
        .containsPattern("(?m)^NODE +ROLE +NODE ID")
        .containsPattern("(?m)^b +balancer +\\S+$");
    assertThat(err.size()).isZero();

    String adminB = "127.0.0.1:" + b.admin().actualPort();
    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    assertThat(Ctl.run(List.of("drain", "s1"), adminB, null, false, print(new ByteArrayOutputStream()), print(err2))).isEqualTo(1);
    assertThat(err2.toString(StandardCharsets.UTF_8)).isEqualTo("ferry: drain s1: missing bearer token (Authorization: Bearer <token>) (HTTP 401)" + System.lineSeparator());
    ByteArrayOutputStream out3 = new ByteArrayOutputStream();
    assertThat(Ctl.run(List.of("drain", "s1"), adminB, TOKEN, false, print(out3), print(new ByteArrayOutputStream()))).isZero();
    assertThat(out3.toString(StandardCharsets.UTF_8)).startsWith("s1: draining, weight as announced");
    eventually(Duration.ofSeconds(1), "a drained s1", () -> a.pools().usable("echo").size() == 2);
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    assertThat(Ctl.run(List.of("status"), adminB, TOKEN, true, print(json), print(new ByteArrayOutputStream()))).isZero();
    assertThat(server(new JsonObject(json.toString(StandardCharsets.UTF_8)), "echo", "s1").getString("state")).isEqualTo("draining");
    ByteArrayOutputStream unknown = new ByteArrayOutputStream();
    assertThat(Ctl.run(List.of("enable", "nope"), adminB, TOKEN, false, print(new ByteArrayOutputStream()), print(unknown))).isEqualTo(1);
    assertThat(unknown.toString(StandardCharsets.UTF_8)).contains("unknown node \"nope\"").contains("HTTP 404");
  }

  private static PrintStream print(ByteArrayOutputStream to) {
    return new PrintStream(to, true, StandardCharsets.UTF_8);
  }

  private static void assertError(AdminHttp.Reply r, int status, String fragment) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/json");
    assertThat(r.json().getString("error")).contains(fragment);
  }

  private static List<String> whoamiThrough(Balancer lb, int n) throws Exception {
    List<String> servers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String response = httpGet(lb.frontends().get("whoami").config().port());
      servers.add(new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4)).getString("server"));
    }
    return servers;
  }

  private static JsonObject frontend(JsonObject status, String name) {
    return status.getJsonArray("frontends").stream().map(JsonObject.class::cast)
        .filter(f -> f.getString("name").equals(name)).findFirst().orElseThrow();
  }

  private static JsonObject server(JsonObject status, String pool, String node) {
    return status.getJsonObject("pools").getJsonObject(pool).getJsonArray("servers").stream().map(JsonObject.class::cast)
        .filter(s -> s.getString("name").equals(node)).findFirst().orElseThrow();
  }
}
