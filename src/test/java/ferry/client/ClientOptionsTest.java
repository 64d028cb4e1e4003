package ferry.client;

import ferry.client.ClientOptions.Target;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientOptionsTest {

  private static final List<Target> ONE = List.of(new Target("127.0.0.1", 9000));

  @Test
  void targetPrintsAsHostPort() {
    assertThat(new Target("127.0.0.1", 9000)).hasToString("127.0.0.1:9000");
    assertThat(new Target("::1", 80)).hasToString("[::1]:80");
  }

  @Test
  void loadModeNeedsExactlyOneBound() {
    assertThat(new ClientOptions(ONE, 2, Duration.ofSeconds(10), 0, 64, false, 1000).interactive()).isFalse();
    assertThat(new ClientOptions(ONE, 2, null, 100, 64, false, 1000).requests()).isEqualTo(100);
    assertThatThrownBy(() -> new ClientOptions(ONE, 2, null, 0, 64, false, 1000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
    assertThatThrownBy(() -> new ClientOptions(ONE, 2, Duration.ofSeconds(1), 5, 64, false, 1000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
  }

  @Test
  void rejectsInconsistentValues() {
    assertThatThrownBy(() -> new ClientOptions(List.of(), 0, null, 0, 1, false, 1000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target");
    assertThatThrownBy(() -> new ClientOptions(ONE, 0, null, 0, 0, false, 1000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size");
    assertThatThrownBy(() -> new ClientOptions(ONE, -1, null, 0, 1, false, 1000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connections");
    assertThatThrownBy(() -> new Target("h", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void interactiveModeIgnoresLoadBounds() {
    ClientOptions opts = new ClientOptions(ONE, 0, null, 0, 1, false, 1000);
    assertThat(opts.interactive()).isTrue();
  }

  @Test
  void codecDefaultsToRawAndParsesItsIds() {
    ClientOptions raw = new ClientOptions(ONE, 0, null, 0, 1, false, 1000);
    assertThat(raw.codec()).isNull();
    assertThat(raw.withCodec(ClientOptions.Codec.LENGTH).codec()).isEqualTo(ClientOptions.Codec.LENGTH);
    assertThat(ClientOptions.Codec.ids()).containsExactly("lines", "length");
    assertThat(ClientOptions.Codec.of("lines")).isEqualTo(ClientOptions.Codec.LINES);
    assertThat(ClientOptions.Codec.LENGTH).hasToString("length");
    assertThatThrownBy(() -> ClientOptions.Codec.of("xml"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("codec").hasMessageContaining("xml");
  }
}
