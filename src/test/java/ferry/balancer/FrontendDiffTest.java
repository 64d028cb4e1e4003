package ferry.balancer;

import ferry.config.ConfigLoader;
import ferry.config.FrontendConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The reload's description of a changed frontend: each key that differs, as it is named in the file. */
class FrontendDiffTest {

  private static FrontendConfig frontend(String... sets) {
    List<String> all = new java.util.ArrayList<>(List.of("frontends={}", "frontends.x.port=9000"));
    all.addAll(List.of(sets));
    return ConfigLoader.load("balancer", null, all).frontends().get("x");
  }

  @Test
  void namesEachChangedKeyWithBothValues() {
    assertThat(FrontendDiff.of(frontend(), frontend("frontends.x.port=9001", "frontends.x.algorithm=leastconn")))
        .containsExactly("port 9000 -> 9001", "algorithm roundrobin -> leastconn");
    assertThat(FrontendDiff.of(frontend(), frontend())).isEmpty();
  }

  @Test
  void messageOptionsAreFlatKeysAndAModeChangeShowsThem() {
    FrontendConfig lines = frontend("frontends.x.mode=message");
    assertThat(FrontendDiff.of(lines, frontend("frontends.x.mode=message", "frontends.x.maxInFlight=8")))
        .containsExactly("maxInFlight 64 -> 8");
    assertThat(FrontendDiff.of(frontend(), lines)).contains("mode tcp -> message", "codec - -> lines");
  }
}
