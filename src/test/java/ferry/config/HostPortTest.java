package ferry.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HostPortTest {

  @Test
  void parses() {
    assertThat(HostPort.parse("k", "127.0.0.1:80")).isEqualTo(new HostPort("127.0.0.1", 80));
    assertThat(HostPort.parse("k", "[::1]:9000")).isEqualTo(new HostPort("::1", 9000));
    assertThat(new HostPort("::1", 9000).toString()).isEqualTo("[::1]:9000");
    assertThat(new HostPort("127.0.0.1", 1).toString()).isEqualTo("127.0.0.1:1");
  }

  @Test
  void badInput() {
    ConfigErrorsTest.fails(() -> HostPort.parse("k", "host"), "k", "not host:port");
    ConfigErrorsTest.fails(() -> HostPort.parse("k", ":80"), "k", "not host:port");
    ConfigErrorsTest.fails(() -> HostPort.parse("k", "host:"), "k", "not host:port");
    ConfigErrorsTest.fails(() -> HostPort.parse("k", "host:x"), "k", "no valid port");
    ConfigErrorsTest.fails(() -> HostPort.parse("k", "host:65536"), "k", "out of range");
    ConfigErrorsTest.fails(() -> HostPort.parse("k", "host:0"), "k", "out of range");
  }
}
