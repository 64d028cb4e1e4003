package ferry.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static ferry.config.ConfigErrorsTest.fails;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code admin.*}: defaults per role, the token rule off loopback, the environment, and every bad value. */
class AdminConfigTest {
  private static final Map<String, String> NO_ENV = Map.of();

  private static AdminConfig admin(String role, Map<String, String> env, String... sets) {
    return ConfigLoader.load(role, null, List.of(sets), env::get).admin();
  }

  private static AdminConfig balancer(String... sets) {
    return admin("balancer", NO_ENV, sets);
  }

  @Test
  void balancerDefaultIsOnAtLoopback9090WithoutToken() {
    assertThat(balancer()).isEqualTo(new AdminConfig(true, "127.0.0.1", 9090, null));
    AdminConfig fromFile = ConfigLoader.load(null, Path.of("conf", "balancer.json"), List.of(), NO_ENV::get).admin();
    assertThat(fromFile).isEqualTo(balancer());
  }

  @Test
  void aBalancerFileWithoutAdminKeyStillHasTheDefault() {
    assertThat(balancer("admin={}")).isEqualTo(new AdminConfig(true, "127.0.0.1", 9090, null));
  }

  @Test
  void serverDefaultIsOffAndAPortTurnsItOn() {
    assertThat(admin("server", NO_ENV).enabled()).isFalse();
    assertThat(admin("server", NO_ENV, "admin.host=127.0.0.1").enabled()).isFalse();
    assertThat(admin("server", NO_ENV, "admin.port=9191")).isEqualTo(new AdminConfig(true, "127.0.0.1", 9191, null));
    assertThat(admin("server", NO_ENV, "admin.port=9191", "admin.enabled=false").enabled()).isFalse();
  }

  @Test
  void enabledFalseTurnsABalancersAdminOff() {
    assertThat(balancer("admin.enabled=false").enabled()).isFalse();
    // off: no token needed even off loopback
    assertThat(balancer("admin.enabled=false", "admin.host=0.0.0.0").enabled()).isFalse();
  }

  @Test
  void portZeroPicksAFreePort() {
    assertThat(balancer("admin.port=0").port()).isZero();
  }

  @Test
  void loopbackNamesNeedNoToken() {
    assertThat(balancer("admin.host=localhost").host()).isEqualTo("localhost");
    assertThat(balancer("admin.host=::1").host()).isEqualTo("::1");
    assertThat(balancer("admin.host=127.0.0.2").token()).isNull();
  }

  @Test
  void offLoopbackATokenIsRequired() {
    String m = fails(() -> balancer("admin.host=0.0.0.0"), "admin.token", "missing", "0.0.0.0", "FERRY_ADMIN_TOKEN");
    assertThat(m).doesNotContain("\n");
  }

  @Test
  void theTokenComesFromConfigOrEnvironment() {
    assertThat(balancer("admin.host=0.0.0.0", "admin.token=s3cret").token()).isEqualTo("s3cret");
    Map<String, String> env = Map.of("FERRY_ADMIN_TOKEN", "from-env");
    assertThat(admin("balancer", env, "admin.host=0.0.0.0").token()).isEqualTo("from-env");
    // the config's own token wins over the environment
    assertThat(admin("balancer", env, "admin.token=mine").token()).isEqualTo("mine");
    // a token set on loopback is required too
    assertThat(admin("balancer", env).token()).isEqualTo("from-env");
    // a blank environment value is no token
    assertThat(admin("balancer", Map.of("FERRY_ADMIN_TOKEN", " ")).token()).isNull();
  }

  @Test
  void theTokenNeverShowsInToString() {
    AdminConfig a = balancer("admin.token=s3cret-value");
    assertThat(a.toString()).doesNotContain("s3cret-value").contains("***");
    assertThat(ConfigLoader.load("balancer", null, List.of("admin.token=s3cret-value"), NO_ENV::get).toString())
        .doesNotContain("s3cret-value");
  }

  @Test
  void badValuesNameTheKey() {
    fails(() -> balancer("admin.prot=1"), "admin.prot", "unknown key");
    fails(() -> balancer("admin.port=70000"), "admin.port", "out of range");
    fails(() -> balancer("admin.port=\"x\""), "admin.port", "integer");
    fails(() -> balancer("admin.enabled=yes"), "admin.enabled", "true or false");
    fails(() -> balancer("admin.host=\"\""), "admin.host", "missing");
    fails(() -> balancer("admin.token=\"\""), "admin.token", "empty");
    fails(() -> balancer("admin=5"), "admin", "object");
    fails(() -> balancer("admin.host=no-such-host.invalid"), "admin.host", "cannot resolve");
  }

  @Test
  void clientHasNoAdminAndCtlHasNoConfig() {
    assertThat(ConfigLoader.load("client", null, List.of()).admin()).isNull();
    fails(() -> ConfigLoader.load("client", null, List.of("admin.port=1")), "admin", "unknown key");
    fails(() -> ConfigLoader.load("ctl", null, List.of()), "--role ctl", "no configuration");
  }
}
