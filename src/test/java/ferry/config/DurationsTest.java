package ferry.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DurationsTest {

  @Test
  void units() {
    assertThat(Durations.parse("d", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("d", "10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("d", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("d", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("d", "7")).isEqualTo(Duration.ofSeconds(7));
    assertThat(Durations.parse("d", " 3s ")).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void badDurations() {
    for (String bad : new String[] {"10x", "", "s", "-1s", "1.5s", "10 s", "ten"}) {
      ConfigErrorsTest.fails(() -> Durations.parse("client.duration", bad), "client.duration", "not a duration");
    }
    ConfigErrorsTest.fails(() -> Durations.parse("client.duration", null), "client.duration", "not a duration");
    ConfigErrorsTest.fails(() -> Durations.parse("client.duration", "0ms"), "client.duration", "more than 0");
  }
}
