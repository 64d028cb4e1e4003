package ferry.config;

import ferry.client.ClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --set path=value} overrides. */
class ConfigSetTest {

  private static FerryConfig balancer(String... sets) {
    return ConfigLoader.load("balancer", null, List.of(sets));
  }

  @Test
  void newFrontendByPortAlone() {
    FerryConfig c = balancer("frontends.redis.port=6380");
    assertThat(c.frontends().keySet()).containsExactly("echo", "whoami", "lines", "redis");
    assertThat(c.frontends().get("redis"))
        .isEqualTo(new FrontendConfig("redis", "127.0.0.1", 6380, "redis", "tcp", "roundrobin", 2000, 2));
  }

  @Test
  void overrideExistingFrontendKeys() {
    FerryConfig c = balancer("frontends.echo.algorithm=leastconn", "frontends.echo.retries=0",
        "frontends.echo.port=9200", "frontends.echo.pool=other");
    FrontendConfig f = c.frontends().get("echo");
    assertThat(f.algorithm()).isEqualTo("leastconn");
    assertThat(f.retries()).isZero();
    assertThat(f.port()).isEqualTo(9200);
    assertThat(f.pool()).isEqualTo("other");
    assertThat(c.frontends().get("whoami").port()).isEqualTo(9080);
  }

  @Test
  void everyAlgorithmIsAccepted() {
    for (String a : FrontendConfig.ALGORITHMS) {
      assertThat(balancer("frontends.echo.algorithm=" + a).frontends().get("echo").algorithm()).isEqualTo(a);
      assertThat(ferry.balancer.algorithm.Algorithm.named(a)).isNotNull();
    }
  }

  @Test
  void setsApplyInOrder() {
    assertThat(balancer("frontends.echo.port=9100", "frontends.echo.port=9200").frontends().get("echo").port())
        .isEqualTo(9200);
  }

  @Test
  void wholeObjectAsJson() {
    FerryConfig c = ConfigLoader.load("server", null,
        List.of("services.redis={\"type\":\"external\",\"pool\":\"redis\",\"target\":\"127.0.0.1:6379\",\"weight\":3}"));
    assertThat(c.services().get("redis"))
        .isEqualTo(new ServiceConfig("redis", "external", "redis", null, 0, 3, new HostPort("127.0.0.1", 6379)));
  }

  @Test
  void clusterMembersRangeExpands() {
    FerryConfig c = balancer("cluster.members=[\"127.0.0.1:5801-5803\"]");
    assertThat(c.cluster().members()).containsExactly("127.0.0.1:5801-5803");
    assertThat(c.cluster().expandedMembers()).containsExactly("127.0.0.1:5801", "127.0.0.1:5802", "127.0.0.1:5803");
  }

  @Test
  void clusterMembersMixed() {
    FerryConfig c = balancer("cluster.members=[\"127.10.0.5\",\"127.10.0.6:5701\",\"[::1]\",\"[::1]:5702\",\"h:7-7\"]");
    assertThat(c.cluster().expandedMembers())
        .containsExactly("127.10.0.5", "127.10.0.6:5701", "[::1]", "[::1]:5702", "h:7");
  }

  @Test
  void clusterMembersAsCommaString() {
    FerryConfig c = balancer("cluster.members=127.10.0.1:5701, 127.10.0.2:5701-5702");
    assertThat(c.cluster().expandedMembers()).containsExactly("127.10.0.1:5701", "127.10.0.2:5701", "127.10.0.2:5702");
  }

  @Test
  void nonJsonValueIsAString() {
    assertThat(balancer("node.name=abc").node().name()).isEqualTo("abc");
    // a number is still a name
    assertThat(balancer("node.name=7").node().name()).isEqualTo("7");
    assertThat(balancer("node.eventLoops=3").node().eventLoops()).isEqualTo(3);
  }

  @Test
  void applySetCreatesObjectsAlongThePath() {
    JsonObject doc = new JsonObject();
    ConfigLoader.applySet(doc, "a.b.c=1");
    ConfigLoader.applySet(doc, "a.b.d=x y");
    ConfigLoader.applySet(doc, "a.e=[1,2]");
    ConfigLoader.applySet(doc, "a.f=true");
    ConfigLoader.applySet(doc, "a.g=\"quoted\"");
    ConfigLoader.applySet(doc, "a.h=k=v"); // only the first '=' splits
    ConfigLoader.applySet(doc, "top=");
    assertThat(doc.getJsonObject("a").getJsonObject("b").getValue("c")).isEqualTo(1);
    assertThat(doc.getJsonObject("a").getJsonObject("b").getValue("d")).isEqualTo("x y");
    assertThat(doc.getJsonObject("a").getValue("e")).isEqualTo(new JsonArray().add(1).add(2));
    assertThat(doc.getJsonObject("a").getValue("f")).isEqualTo(true);
    assertThat(doc.getJsonObject("a").getValue("g")).isEqualTo("quoted");
    assertThat(doc.getJsonObject("a").getValue("h")).isEqualTo("k=v");
    assertThat(doc.getValue("top")).isEqualTo("");
  }

  @Test
  void clientLoadModeDefaultsToTenSeconds() {
    ClientOptions o = ConfigLoader.load("client", null, List.of("connections=5")).client();
    assertThat(o.connections()).isEqualTo(5);
    assertThat(o.duration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.requests()).isZero();
  }

  @Test
  void clientRequestsOrDuration() {
    ClientOptions r = ConfigLoader.load("client", null, List.of("connections=2", "requests=100")).client();
    assertThat(r.requests()).isEqualTo(100);
    assertThat(r.duration()).isNull();
    ClientOptions d = ConfigLoader.load("client", null, List.of("connections=2", "duration=500ms")).client();
    assertThat(d.duration()).isEqualTo(Duration.ofMillis(500));
    assertThat(d.requests()).isZero();
  }

  @Test
  void clientTargetsList() {
    ClientOptions o = ConfigLoader.load("client", null, List.of("target=127.0.0.1:9000,127.0.0.1:9001", "size=10",
        "json=true")).client();
    assertThat(o.targets()).containsExactly(new ClientOptions.Target("127.0.0.1", 9000),
        new ClientOptions.Target("127.0.0.1", 9001));
    assertThat(o.size()).isEqualTo(10);
    assertThat(o.json()).isTrue();
    ClientOptions v6 = ConfigLoader.load("client", null, List.of("target=[::1]:9000")).client();
    assertThat(v6.targets()).containsExactly(new ClientOptions.Target("::1", 9000));
  }

  @Test
  void serverServiceOverrides() {
    FerryConfig c = ConfigLoader.load("server", null, List.of("services.echo.port=7000", "services.echo.weight=0",
        "services.echo2.type=echo", "services.echo2.pool=echo"));
    assertThat(c.services().get("echo").port()).isEqualTo(7000);
    assertThat(c.services().get("echo").weight()).isZero();
    assertThat(c.services().get("echo2"))
        .isEqualTo(new ServiceConfig("echo2", "echo", "echo", "127.0.0.1", 0, 1, null));
  }

  @Test
  void frontendsCanBeRemovedByReplacingTheMap() {
    FerryConfig c = balancer("frontends={\"only\":{\"port\":9500}}");
    assertThat(c.frontends().keySet()).containsExactly("only");
  }
}
