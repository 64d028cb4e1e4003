package ferry;

import ferry.MainRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static ferry.MainRun.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Main#run} on bad input: exit code 2 and one line {@code ferry: ...} on stderr naming the key or flag.
 * No case here gets as far as starting a balancer, server or client (each would join a cluster or read stdin);
 * the timeout only keeps a regression from hanging the build.
 */
class MainCliTest {

  @TempDir
  Path dir;

  /** Exit 2, nothing on stdout, exactly one stderr line starting with "ferry: " and containing each fragment. */
  private static String assertUsageError(Result r, String... fragments) {
    assertThat(r.err()).as("stderr ends with a line break").endsWith(System.lineSeparator());
    return MainRun.oneErrorLine(r, 2, fragments);
  }

  @Test
  void unknownRole() {
    assertUsageError(run("--role", "frob"), "--role", "unknown role \"frob\"");
  }

  @Test
  void unknownRoleWithHelp() {
    assertUsageError(run("--role", "frob", "--help"), "--role", "frob");
  }

  @Test
  void noRole() {
    assertUsageError(run(), "--role");
  }

  @Test
  void unknownFlag() {
    assertUsageError(run("--role", "balancer", "--frob"), "--frob");
  }

  @Test
  void positionalArgument() {
    assertUsageError(run("--role", "balancer", "stray"), "stray");
  }

  @Test
  void flagWithoutValue() {
    assertUsageError(run("--role", "balancer", "--set"), "--set");
  }

  @Test
  void flagWithIllTypedValue() {
    assertUsageError(run("--role", "client", "--connections", "many"), "--connections", "many");
  }

  @Test
  void missingFile() {
    Path f = dir.resolve("nope.json");
    assertUsageError(run("--config", f.toString()), f.toString(), "no such file");
  }

  @Test
  void unreadableFile() {
    // a directory: unreadable as a file even for root
    assertUsageError(run("--role", "balancer", "--config", dir.toString()), dir.toString(), "cannot read");
  }

  @Test
  void invalidJson() throws IOException {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, "{\"role\": \"balancer\",\n  \"frontends\": {\n    \"echo\": { \"port\": 9000,, }\n");
    assertUsageError(run("--config", f.toString()), f.toString(), "invalid JSON");
  }

  @Test
  void fileWithoutRole() throws IOException {
    Path f = dir.resolve("norole.json");
    Files.writeString(f, "{}");
    assertUsageError(run("--config", f.toString()), f.toString(), "role");
  }

  @Test
  void unknownKey() {
    assertUsageError(run("--role", "balancer", "--set", "frontends.echo.prot=9000"), "frontends.echo.prot", "unknown key");
  }

  @Test
  void unknownKeyInFile() throws IOException {
    Path f = dir.resolve("typo.json");
    Files.writeString(f, "{\"role\":\"server\",\"cluster\":{\"name\":\"ferry\",\"host\":\"127.0.0.1\"},"
        + "\"services\":{\"echo\":{\"prot\":1}}}");
    assertUsageError(run("--config", f.toString()), "services.echo.prot", "unknown key");
  }

  @Test
  void illTypedKey() {
    assertUsageError(run("--role", "balancer", "--set", "frontends.echo.port=\"abc\""), "frontends.echo.port", "integer");
  }

  @Test
  void portOutOfRange() {
    assertUsageError(run("--role", "balancer", "--set", "frontends.echo.port=70000"), "frontends.echo.port", "70000");
    assertUsageError(run("--role", "balancer", "--set", "frontends.echo.port=0"), "frontends.echo.port", "out of range");
  }

  @Test
  void unknownAlgorithm() {
    assertUsageError(run("--role", "balancer", "--set", "frontends.echo.algorithm=fastest"),
        "frontends.echo.algorithm", "fastest");
  }

  @Test
  void setThroughANonObject() {
    assertUsageError(run("--role", "balancer", "--set", "frontends.echo.port.x=1"), "frontends.echo.port");
  }

  @Test
  void clientFlagForBalancer() {
    assertUsageError(run("--role", "balancer", "--connections", "5"), "--connections", "client flag", "balancer");
  }

  @Test
  void clientFlagForServer() {
    assertUsageError(run("--role", "server", "--json"), "--json", "client flag", "server");
    assertUsageError(run("--role", "server", "--target", "127.0.0.1:9000"), "--target", "client flag");
  }

  @Test
  void clientBadValues() {
    assertUsageError(run("--role", "client", "--connections", "2", "--duration", "10x"), "duration", "10x");
    assertUsageError(run("--role", "client", "--target", "nohost"), "target", "nohost");
    assertUsageError(run("--role", "client", "--connections", "2", "--requests", "10", "--duration", "5s"),
        "requests", "duration");
  }

  /** A duration too large for a long is a usage error (exit 2), not an escaping NumberFormatException. */
  @Test
  void clientDurationTooLarge() {
    assertUsageError(run("--role", "client", "--connections", "2", "--requests", "1",
        "--duration", "99999999999999999999s"), "duration");
  }

  @Test
  void help() {
    Result r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--role").contains("--config").contains("--set");
    assertThat(r.err()).isEmpty();
    assertThat(run("-h").out()).contains("--role");
  }

  @Test
  void clientHelp() {
    Result r = run("--role", "client", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--connections").contains("--duration").contains("--target");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void balancerAndServerHelp() {
    Result b = run("--role", "balancer", "--help");
    assertThat(b.code()).isZero();
    assertThat(b.out()).contains("frontends.NAME").doesNotContain("--connections N");
    Result s = run("--role", "server", "--help");
    assertThat(s.code()).isZero();
    assertThat(s.out()).contains("services.NAME");
  }
}
