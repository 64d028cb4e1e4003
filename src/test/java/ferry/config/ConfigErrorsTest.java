package ferry.config;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every bad input is a ConfigException with a one-line message naming the key (or the file, or the flag). */
class ConfigErrorsTest {

  /** A file replaces the defaults as a whole; cluster.name and cluster.host are required then. */
  static final String CLUSTER = "\"cluster\":{\"name\":\"ferry\",\"host\":\"127.0.0.1\"}";

  @TempDir
  Path dir;

  /** Asserts a ConfigException whose message is one line and starts with {@code key}, and contains {@code more}. */
  static String fails(ThrowingCallable call, String key, String... more) {
    ConfigException e = catchThrowableOfType(ConfigException.class, call);
    assertThat(e).as("expected a ConfigException naming %s", key).isNotNull();
    String m = e.getMessage();
    assertThat(m).as("message").isNotBlank().doesNotContain("\n").doesNotContain("\r");
    assertThat(m).as("message names the key").startsWith(key);
    for (String s : more) {
      assertThat(m).contains(s);
    }
    return m;
  }

  private static ThrowingCallable balancer(String... sets) {
    return () -> ConfigLoader.load("balancer", null, List.of(sets));
  }

  private static ThrowingCallable server(String... sets) {
    return () -> ConfigLoader.load("server", null, List.of(sets));
  }

  private static ThrowingCallable client(String... sets) {
    return () -> ConfigLoader.load("client", null, List.of(sets));
  }

  @Test
  void messageModeKeys() {
    fails(balancer("frontends.lines.codec=xml"), "frontends.lines.codec", "unknown codec \"xml\"");
    fails(balancer("frontends.lines.maxInFlight=0"), "frontends.lines.maxInFlight", "out of range");
    fails(balancer("frontends.lines.maxFrameBytes=\"big\""), "frontends.lines.maxFrameBytes", "expected an integer");
    fails(balancer("frontends.lines.sticky=1"), "frontends.lines.sticky", "true or false");
    fails(balancer("frontends.lines.connectTimeoutMs=5"), "frontends.lines.connectTimeoutMs", "only for mode tcp");
    fails(balancer("frontends.lines.maxconn=5"), "frontends.lines.maxconn", "only for mode tcp");
    fails(balancer("frontends.lines.idleTimeoutMs=5"), "frontends.lines.idleTimeoutMs", "only for mode tcp");
    fails(balancer("frontends.echo.codec=lines"), "frontends.echo.codec", "only for mode message");
    fails(balancer("frontends.echo.requestTimeoutMs=5"), "frontends.echo.requestTimeoutMs", "only for mode message");
  }

  @Test
  void javaServices() {
    fails(server("services.x={\"type\":\"java\",\"pool\":\"x\"}"), "services.x.class", "missing");
    fails(server("services.x={\"type\":\"java\",\"class\":\"com.example.Nope\"}"), "services.x.class",
        "not on the classpath");
    fails(server("services.x={\"type\":\"java\",\"class\":\"java.lang.String\"}"), "services.x.class",
        "does not implement ferry.server.MessageService");
    fails(server("services.x={\"type\":\"java\",\"class\":\"java.lang.String\",\"port\":1}"), "services.x.port",
        "no listener");
    fails(server("services.echo.class=x"), "services.echo.class", "only a java service");
  }

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  // --- role and file -------------------------------------------------------------------------------------------

  @Test
  void unknownRole() {
    fails(() -> ConfigLoader.load("frob", null, List.of()), "--role", "unknown role \"frob\"", "balancer");
  }

  @Test
  void noRoleAtAll() {
    fails(() -> ConfigLoader.load(null, null, List.of()), "no role", "--role");
  }

  @Test
  void unknownRoleInFile() throws IOException {
    Path f = write("r.json", "{\"role\":\"frob\"}");
    fails(() -> ConfigLoader.load(null, f, List.of()), f + ": role", "unknown role \"frob\"");
  }

  @Test
  void fileWithoutRoleAndNoFlag() throws IOException {
    Path f = write("norole.json", "{" + CLUSTER + ",\"frontends\":{}}");
    fails(() -> ConfigLoader.load(null, f, List.of()), f.toString(), "no \"role\"", "--role");
    // with --role it is fine
    assertThat(ConfigLoader.load("balancer", f, List.of()).frontends()).isEmpty();
  }

  @Test
  void invalidJsonFile() throws IOException {
    Path f = write("bad.json", "{\"role\": \"balancer\",\n \"frontends\": {\n");
    fails(() -> ConfigLoader.load(null, f, List.of()), f.toString(), "invalid JSON");
    Path g = write("garbage.json", "role = balancer\nfrontends = none\n");
    fails(() -> ConfigLoader.load("balancer", g, List.of()), g.toString(), "invalid JSON");
  }

  @Test
  void jsonThatIsNotAnObject() throws IOException {
    Path f = write("list.json", "[1, 2]");
    fails(() -> ConfigLoader.load("balancer", f, List.of()), f.toString(), "object");
  }

  @Test
  void missingFile() {
    Path f = dir.resolve("nope.json");
    fails(() -> ConfigLoader.load("balancer", f, List.of()), f.toString(), "no such file");
  }

  @Test
  void unreadableFile() {
    // a directory cannot be read as a file
    fails(() -> ConfigLoader.load("balancer", dir, List.of()), dir.toString(), "cannot read");
  }

  @Test
  void unknownTopLevelKeyInFile() throws IOException {
    Path f = write("extra.json", "{\"role\":\"balancer\"," + CLUSTER + ",\"frontend\":{}}");
    fails(() -> ConfigLoader.load(null, f, List.of()), "frontend: unknown key");
  }

  // --- --set itself ----------------------------------------------------------------------------------------------

  @Test
  void setThroughANonObject() {
    fails(balancer("frontends.echo.port.x=1"), "--set frontends.echo.port.x=1",
        "frontends.echo.port is not an object");
  }

  @Test
  void setWithoutEquals() {
    fails(balancer("frontends.echo.port"), "--set frontends.echo.port", "path=value");
    fails(balancer("=5"), "--set =5", "path=value");
  }

  @Test
  void setWithEmptyKey() {
    fails(balancer("frontends..port=1"), "--set frontends..port=1", "empty key");
    fails(balancer("frontends.echo.=1"), "--set frontends.echo.=1", "empty key");
  }

  // --- balancer --------------------------------------------------------------------------------------------------

  @Test
  void unknownKey() {
    fails(balancer("frontends.echo.prot=9000"), "frontends.echo.prot", "unknown key");
    fails(balancer("cluster.member=[]"), "cluster.member", "unknown key");
    fails(balancer("node.nmae=x"), "node.nmae", "unknown key");
    fails(balancer("services.echo.port=1"), "services", "unknown key");
  }

  @Test
  void illTypedPort() {
    fails(balancer("frontends.echo.port=\"abc\""), "frontends.echo.port", "integer", "\"abc\"");
    fails(balancer("frontends.echo.port=abc"), "frontends.echo.port", "integer");
    fails(balancer("frontends.echo.port=90.5"), "frontends.echo.port", "integer");
  }

  @Test
  void illTypedOthers() {
    fails(balancer("cluster.multicast=yes"), "cluster.multicast", "true or false");
    fails(balancer("cluster.members=5"), "cluster.members", "list");
    fails(balancer("cluster.members=[5]"), "cluster.members[0]", "string");
    fails(balancer("frontends.echo.host={}"), "frontends.echo.host", "string");
    fails(balancer("frontends=[]"), "frontends", "object");
    fails(balancer("frontends.echo=5"), "frontends.echo", "object");
    fails(balancer("node=1"), "node", "object");
  }

  @Test
  void portOutOfRange() {
    fails(balancer("frontends.echo.port=70000"), "frontends.echo.port", "70000", "out of range");
    fails(balancer("frontends.echo.port=0"), "frontends.echo.port", "0 is out of range");
    fails(balancer("frontends.echo.port=-1"), "frontends.echo.port", "out of range");
    fails(balancer("cluster.port=65536"), "cluster.port", "out of range");
  }

  @Test
  void otherRanges() {
    fails(balancer("frontends.echo.retries=101"), "frontends.echo.retries", "out of range");
    fails(balancer("frontends.echo.connectTimeoutMs=0"), "frontends.echo.connectTimeoutMs", "out of range");
    fails(balancer("node.eventLoops=0"), "node.eventLoops", "out of range");
  }

  @Test
  void frontendWithoutPort() {
    fails(balancer("frontends.redis.host=127.0.0.1"), "frontends.redis.port", "missing");
  }

  @Test
  void frontendsOnTheSameAddress() {
    fails(balancer("frontends.whoami.port=9000"), "frontends.whoami.port", "already used", "echo");
  }

  @Test
  void unknownAlgorithm() {
    fails(balancer("frontends.echo.algorithm=fastest"), "frontends.echo.algorithm", "unknown algorithm \"fastest\"",
        "roundrobin");
  }

  @Test
  void unknownMode() {
    fails(balancer("frontends.echo.mode=udp"), "frontends.echo.mode", "unknown mode \"udp\"", "tcp");
  }

  @Test
  void badFrontendName() {
    fails(() -> {
      ConfigLoader.load("balancer", writeUnchecked("{\"role\":\"balancer\"," + CLUSTER + ",\"frontends\":{\"a.b\":{\"port\":1}}}"),
          List.of());
    }, "frontends.a.b", "name");
  }

  @Test
  void badNodeName() {
    fails(balancer("node.name=has space"), "node.name", "\"has space\"");
    fails(balancer("node.name=\"\""), "node.name");
  }

  @Test
  void badClusterMembers() {
    fails(balancer("cluster.members=[\"127.0.0.1:5805-5801\"]"), "cluster.members", "bad port range");
    fails(balancer("cluster.members=[\"127.0.0.1:1-2000\"]"), "cluster.members", "bad port range");
    fails(balancer("cluster.members=[\"127.0.0.1:5801-x\"]"), "cluster.members", "no valid port");
    fails(balancer("cluster.members=[\"127.0.0.1:99999\"]"), "cluster.members", "out of range");
    fails(balancer("cluster.members=[\"127.0.0.1:\"]"), "cluster.members", "host:port");
    fails(balancer("cluster.members=[]"), "cluster.members", "empty");
  }

  @Test
  void missingClusterName() {
    fails(balancer("cluster.name=\"\""), "cluster.name", "missing");
  }

  // --- server ----------------------------------------------------------------------------------------------------

  @Test
  void unknownServiceType() {
    fails(server("services.echo.type=ftp"), "services.echo.type", "unknown service type \"ftp\"");
    fails(server("services.foo.port=1"), "services.foo.type", "missing");
  }

  @Test
  void externalServiceWithoutTarget() {
    fails(server("services.redis={\"type\":\"external\"}"), "services.redis.target", "missing");
  }

  @Test
  void externalServiceWithPortOrHost() {
    fails(server("services.redis={\"type\":\"external\",\"target\":\"127.0.0.1:6379\",\"port\":6379}"),
        "services.redis.port", "target");
    fails(server("services.redis={\"type\":\"external\",\"target\":\"127.0.0.1:6379\",\"host\":\"127.0.0.1\"}"),
        "services.redis.host", "target");
  }

  @Test
  void externalServiceWithBadTarget() {
    fails(server("services.redis={\"type\":\"external\",\"target\":\"redis\"}"), "services.redis.target",
        "host:port");
  }

  @Test
  void builtinServiceWithTarget() {
    fails(server("services.echo.target=127.0.0.1:1"), "services.echo.target", "external");
  }

  @Test
  void serviceRanges() {
    fails(server("services.echo.weight=257"), "services.echo.weight", "out of range");
    fails(server("services.echo.maxconn=-1"), "services.echo.maxconn", "out of range");
    fails(server("services.echo.maxconn=many"), "services.echo.maxconn", "integer");
    fails(server("services.j={\"type\":\"java\",\"class\":\"x.Y\",\"maxconn\":5}"), "services.j.maxconn",
        "tcp connections");
    fails(server("services.echo.port=70000"), "services.echo.port", "out of range");
    fails(server("services.echo.extra=1"), "services.echo.extra", "unknown key");
    fails(server("frontends.echo.port=9000"), "frontends", "unknown key");
  }

  // --- client ----------------------------------------------------------------------------------------------------

  @Test
  void clientRequestsAndDuration() {
    fails(client("connections=2", "requests=10", "duration=5s"), "requests", "duration");
  }

  @Test
  void clientLoadWithoutConnections() {
    fails(client("requests=10"), "connections", "connections > 0");
    fails(client("duration=5s"), "connections", "connections > 0");
  }

  @Test
  void clientBadDuration() {
    fails(client("connections=2", "duration=10x"), "duration", "\"10x\"", "not a duration");
    fails(client("connections=2", "duration=0s"), "duration", "more than 0");
  }

  @Test
  void clientTargetNotHostPort() {
    fails(client("target=localhost"), "target", "\"localhost\"", "host:port");
    fails(client("target=127.0.0.1:abc"), "target", "no valid port");
    fails(client("target=127.0.0.1:0"), "target", "out of range");
    fails(client("target=[]"), "target", "at least one");
  }

  @Test
  void clientRanges() {
    fails(client("connections=-1"), "connections", "out of range");
    fails(client("size=0"), "size", "out of range");
    fails(client("json=1"), "json", "true or false");
    fails(client("frontends.echo.port=1"), "frontends", "unknown key");
  }

  // --- edge cases of numbers and files ---------------------------------------------------------------------------

  @Test
  void emptyFile() throws IOException {
    Path f = write("empty.json", "");
    fails(() -> ConfigLoader.load("balancer", f, List.of()), f.toString());
  }

  @Test
  void hugeIntegerIsOutOfRange() {
    fails(balancer("frontends.echo.port=99999999999999999999"), "frontends.echo.port", "out of range");
  }

  /** A JSON integer past 2^63 must not wrap around into range (BigInteger.longValue would). */
  @Test
  void hugeIntegerDoesNotWrapIntoRange() {
    fails(balancer("frontends.echo.port=18446744073709560616"), "frontends.echo.port");
  }

  /** More digits than a long holds is a config error, not a NumberFormatException. */
  @Test
  void durationWithTooManyDigitsIsAConfigError() {
    fails(client("connections=2", "duration=99999999999999999999s"), "duration");
  }

  /** A duration that overflows is a config error, not an ArithmeticException. */
  @Test
  void durationThatOverflowsIsAConfigError() {
    fails(client("connections=2", "duration=9999999999999999h"), "duration");
  }

  private Path writeUnchecked(String text) {
    try {
      return write("f" + System.nanoTime() + ".json", text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
