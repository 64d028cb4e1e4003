package ferry.config;

import ferry.client.ClientOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The built-in defaults are the packaged conf/<role>.json: loading by role equals loading the file. */
class ConfigDefaultsTest {

  private static FerryConfig byRole(String role) {
    return ConfigLoader.load(role, null, List.of());
  }

  private static FerryConfig byFile(String role) {
    return ConfigLoader.load(null, Path.of("conf", role + ".json"), List.of());
  }

  @Test
  void balancerDefaultsEqualTheFile() {
    FerryConfig a = byRole("balancer");
    FerryConfig b = byFile("balancer");
    assertThat(a.role()).isEqualTo(Role.BALANCER).isEqualTo(b.role());
    assertThat(a.cluster()).isEqualTo(b.cluster());
    assertThat(a.frontends()).isEqualTo(b.frontends());
    assertThat(a.services()).isEqualTo(b.services()).isEmpty();
    assertThat(a.client()).isNull();
    assertThat(b.client()).isNull();
    // the node name is generated per load; the rest of the node is the same
    assertThat(a.node().eventLoops()).isEqualTo(b.node().eventLoops())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(a.node().name()).startsWith("balancer-" + ProcessHandle.current().pid());
    assertThat(b.node().name()).startsWith("balancer-" + ProcessHandle.current().pid());
  }

  @Test
  void serverDefaultsEqualTheFile() {
    FerryConfig a = byRole("server");
    FerryConfig b = byFile("server");
    assertThat(a.role()).isEqualTo(Role.SERVER).isEqualTo(b.role());
    assertThat(a.cluster()).isEqualTo(b.cluster());
    assertThat(a.services()).isEqualTo(b.services());
    assertThat(a.frontends()).isEqualTo(b.frontends()).isEmpty();
    assertThat(a.client()).isNull();
    assertThat(a.node().eventLoops()).isEqualTo(b.node().eventLoops());
    assertThat(a.node().name()).startsWith("server-");
  }

  @Test
  void clientDefaultsEqualTheFile() {
    FerryConfig a = byRole("client");
    FerryConfig b = byFile("client");
    assertThat(a.role()).isEqualTo(Role.CLIENT).isEqualTo(b.role());
    assertThat(a.client()).isEqualTo(b.client());
    assertThat(a.node()).isNull();
    assertThat(a.cluster()).isNull();
    assertThat(a.frontends()).isEmpty();
    assertThat(a.services()).isEmpty();
  }

  @Test
  void balancerDefaultValues() {
    FerryConfig c = byRole("balancer");
    assertThat(c.frontends().keySet()).containsExactly("echo", "whoami", "lines");
    assertThat(c.frontends().get("lines")).isEqualTo(new FrontendConfig("lines", "127.0.0.1", 9100, "echo", "message",
        "roundrobin", 2000, 2, new FrontendConfig.MessageOptions("lines", 65536, 64, false, 2000)));
    assertThat(c.frontends().get("echo"))
        .isEqualTo(new FrontendConfig("echo", "127.0.0.1", 9000, "echo", "tcp", "roundrobin", 2000, 2));
    assertThat(c.frontends().get("whoami"))
        .isEqualTo(new FrontendConfig("whoami", "127.0.0.1", 9080, "whoami", "tcp", "roundrobin", 2000, 2));
    assertThat(c.frontends().get("echo").address()).isEqualTo(new HostPort("127.0.0.1", 9000));
    assertThat(c.cluster()).isEqualTo(ClusterConfig.defaults());
    assertThat(c.cluster())
        .isEqualTo(new ClusterConfig("ferry", "127.0.0.1", 5701, true, List.of("127.0.0.1:5701-5720"), false));
  }

  @Test
  void serverDefaultValues() {
    FerryConfig c = byRole("server");
    assertThat(c.services().keySet()).containsExactly("echo", "whoami");
    assertThat(c.services().get("echo"))
        .isEqualTo(new ServiceConfig("echo", "echo", "echo", "127.0.0.1", 0, 1, null));
    assertThat(c.services().get("whoami"))
        .isEqualTo(new ServiceConfig("whoami", "whoami", "whoami", "127.0.0.1", 0, 1, null));
    assertThat(c.cluster()).isEqualTo(ClusterConfig.defaults());
  }

  @Test
  void clientDefaultValues() {
    ClientOptions o = byRole("client").client();
    assertThat(o.targets()).containsExactly(new ClientOptions.Target("127.0.0.1", 9000));
    assertThat(o.connections()).isZero();
    assertThat(o.interactive()).isTrue();
    assertThat(o.duration()).isNull();
    assertThat(o.requests()).isZero();
    assertThat(o.size()).isEqualTo(64);
    assertThat(o.json()).isFalse();
    assertThat(o.connectTimeoutMs()).isEqualTo(2000);
  }

  @Test
  void defaultsAreAFreshCopyEachTime() {
    ConfigLoader.defaults(Role.BALANCER).getJsonObject("frontends").remove("echo");
    assertThat(byRole("balancer").frontends()).containsKey("echo");
    ConfigLoader.load("balancer", null, List.of("frontends.echo.port=9999"));
    assertThat(byRole("balancer").frontends().get("echo").port()).isEqualTo(9000);
  }

  @Test
  void defaultExpandedMembersAreTwentyPorts() {
    List<String> m = byRole("balancer").cluster().expandedMembers();
    assertThat(m).hasSize(20);
    assertThat(m.get(0)).isEqualTo("127.0.0.1:5701");
    assertThat(m.get(19)).isEqualTo("127.0.0.1:5720");
  }

  @Test
  void roleFlagOverridesTheFileRole() {
    // conf/client.json read as a client by flag too
    FerryConfig c = ConfigLoader.load("client", Path.of("conf/client.json"), List.of());
    assertThat(c.role()).isEqualTo(Role.CLIENT);
  }
}
