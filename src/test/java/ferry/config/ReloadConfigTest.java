package ferry.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static ferry.config.ConfigErrorsTest.fails;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code reload.*} and {@link ConfigSource}: what a hot reload loads again, exactly as at start. */
class ReloadConfigTest {

  private static ConfigLoader.Loaded balancer(String... sets) {
    return ConfigLoader.loadWithDocument("balancer", null, List.of(sets), name -> null);
  }

  @Test
  void aBalancerScansEveryTwoSecondsByDefaultAndZeroTurnsItOff() {
    assertThat(balancer().reload()).isEqualTo(new ReloadConfig(2000));
    assertThat(balancer().reload().watching()).isTrue();
    assertThat(balancer("reload.scanPeriodMs=0").reload().watching()).isFalse();
    assertThat(balancer("reload.scanPeriodMs=500").reload().scanPeriodMs()).isEqualTo(500);
    assertThat(ConfigLoader.loadWithDocument(null, Path.of("conf", "balancer.json"), List.of(), name -> null).reload())
        .isEqualTo(ReloadConfig.DEFAULT);
  }

  @Test
  void badReloadValuesNameTheKey() {
    fails(() -> balancer("reload.scanPeriodMs=50"), "reload.scanPeriodMs: 50 is too short (0 for off, or 100..3600000)");
    fails(() -> balancer("reload.scanPeriodMs=-1"), "reload.scanPeriodMs: -1 is out of range 0..3600000");
    fails(() -> balancer("reload.scanPeriodMs=\"2s\""), "reload.scanPeriodMs: expected an integer");
    fails(() -> balancer("reload.scanPeriod=100"), "reload.scanPeriod: unknown key");
    fails(() -> balancer("reload=1"), "reload: expected an object");
    fails(() -> ConfigLoader.load("server", null, List.of("reload.scanPeriodMs=100")), "reload: unknown key");
  }

  @Test
  void aSourceAppliesItsSetsAfterTheFileEachTimeItIsLoaded(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("b.json");
    Files.writeString(file, "{\"role\":\"balancer\",\"frontends\":{\"x\":{\"port\":7000}}}");
    ConfigSource source = new ConfigSource(null, file, List.of("frontends.x.port=7001", "frontends.y.port=7002"));
    ConfigLoader.Loaded first = source.load();
    assertThat(first.config().frontends().get("x").port()).isEqualTo(7001);
    assertThat(first.document().getJsonObject("frontends").getJsonObject("y").getInteger("port")).isEqualTo(7002);

    Files.writeString(file, "{\"role\":\"balancer\",\"frontends\":{\"x\":{\"port\":7000,\"algorithm\":\"p2c\"}}}");
    ConfigLoader.Loaded again = source.load();
    assertThat(again.config().frontends().get("x").port()).isEqualTo(7001);
    assertThat(again.config().frontends().get("x").algorithm()).isEqualTo("p2c");
    assertThat(again.config().frontends()).containsKeys("x", "y");

    Files.writeString(file, "{\"role\":\"balancer\",\"frontends\":{\"x\":{\"port\":70000}}}");
    assertThat(source.load().config().frontends().get("x").port()).isEqualTo(7001); // the --set still wins
    Files.writeString(file, "{\"role\":\"balancer\",\"frontends\":{\"x\":{\"port\":7000,\"mode\":\"udp\"}}}");
    fails(source::load, "frontends.x.mode: unknown mode \"udp\"");
  }
}
