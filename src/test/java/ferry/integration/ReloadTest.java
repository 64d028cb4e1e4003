package ferry.integration;

import ferry.TestPorts;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import ferry.balancer.Balancer;
import ferry.balancer.Reloader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static ferry.integration.BalancerClusterTest.echoOnce;
import static ferry.integration.TestCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hot reload of balancers started from a config file: {@code watched} scans its file every 200 ms, {@code manual}
 * reloads only on {@code POST /api/reload}. One echo server behind both. Sessions are plain sockets that stay
 * open across the reloads: a reload must never cut one.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReloadTest {
  static final Duration APPLIED = Duration.ofSeconds(5);
  static TestCluster cluster;
  static Path dir;
  static Path watchedFile;
  static Path manualFile;
  static Balancer watched;
  static Balancer manual;
  static AdminHttp manualApi;
  static int portA;
  static int portB;
  static int portViaSet;
  static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeAll
  static void start() throws IOException {
    logs.start();
    ((Logger) LoggerFactory.getLogger(Reloader.class)).addAppender(logs);
    cluster = new TestCluster();
    cluster.server("s1");
    dir = Files.createTempDirectory("ferry-reload-");
    portA = TestPorts.free();
    portB = TestPorts.free();
    watchedFile = dir.resolve("watched.json");
    write(watchedFile, config(base()));
    watched = cluster.balancerFromFile("watched", watchedFile, "reload.scanPeriodMs=200");
    manualFile = dir.resolve("manual.json");
    write(manualFile, config(Map.of()));
    // A frontend that only a --set names: every reload applies the start's --sets again, so it stays.
    portViaSet = TestPorts.free();
    manual = cluster.balancerFromFile("manual", manualFile, "reload.scanPeriodMs=0",
        "frontends.viaset.port=" + portViaSet, "frontends.viaset.pool=echo");
    manualApi = new AdminHttp(manual.admin().actualPort(), null);
    for (Balancer b : List.of(watched, manual)) {
      eventually(Duration.ofSeconds(20), "the echo server", () -> b.pools().usable("echo").size() == 1);
    }
  }

  @AfterAll
  static void stop() throws IOException {
    ((Logger) LoggerFactory.getLogger(Reloader.class)).detachAppender(logs);
    if (cluster != null) {
      cluster.close();
    }
    if (dir != null) {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /** Each test starts from frontends a and b on their own ports, as the watched balancer started. */
  @BeforeEach
  void backToBase() throws IOException {
    write(watchedFile, config(base()));
    awaitFrontends(watched, Map.of("a", portA, "b", portB));
    synchronized (logs) { // logback appends under the appender's lock
      logs.list.clear();
    }
  }

  @Test
  void anAddedFrontendListensWithinSeconds() throws IOException {
    int portC = TestPorts.free();
    Map<String, JsonObject> next = base();
    next.put("c", frontend(portC));
    write(watchedFile, config(next));
    eventually(APPLIED, "frontend c listening", () -> connects(portC));
    assertThat(echoOnce(portC, "via c")).isEqualTo("via c");
    // The new listener accepts a moment before the frontend table is swapped: wait for the swap too.
    eventually(APPLIED, "frontend c in the table", () -> watched.frontends().keySet().containsAll(List.of("a", "b", "c")));
    assertThat(messages()).anyMatch(m -> m.startsWith("reload: frontend c added: listening on 127.0.0.1:" + portC));
  }

  @Test
  void aChangedAlgorithmAndPortKeepsTheOpenSession() throws IOException {
    try (Session session = new Session(portA)) {
      assertThat(session.roundTrip("before")).isEqualTo("before");
      int moved = TestPorts.free();
      Map<String, JsonObject> next = base();
      next.put("a", frontend(moved).put("algorithm", "leastconn"));
      write(watchedFile, config(next));
      eventually(APPLIED, "a on its new port", () -> connects(moved));
      eventually(APPLIED, "a's new config in the table",
          () -> watched.frontends().get("a").config().algorithm().equals("leastconn"));
      assertThat(echoOnce(moved, "new port")).isEqualTo("new port");
      assertThat(session.roundTrip("after the reload")).isEqualTo("after the reload");
      eventually(APPLIED, "the old port closed", () -> !connects(portA));
      assertThat(session.roundTrip("still there")).isEqualTo("still there");
      assertThat(messages()).anyMatch(m -> m.startsWith("reload: frontend a changed (port " + portA + " -> " + moved
          + ", algorithm roundrobin -> leastconn): listening on 127.0.0.1:" + moved));
    }
  }

  @Test
  void aChangeOnTheSameAddressNeverRefusesAConnection() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread clients = new Thread(() -> {
      while (running.get()) {
        try {
          if (echoOnce(portB, "x").equals("x")) {
            ok.incrementAndGet();
          } else {
            failures.add("wrong echo");
          }
        } catch (IOException e) {
          failures.add(e.toString());
        }
      }
    });
    try (Session session = new Session(portB)) {
      clients.start();
      Map<String, JsonObject> next = base();
      next.put("b", frontend(portB).put("algorithm", "p2c").put("retries", 1));
      write(watchedFile, config(next));
      eventually(APPLIED, "b changed", () -> watched.frontends().get("b").config().algorithm().equals("p2c"));
      int before = ok.get();
      eventually(APPLIED, "more connections after the change", () -> ok.get() > before + 20);
      assertThat(session.roundTrip("across the swap")).isEqualTo("across the swap");
    } finally {
      running.set(false);
      clients.join(10_000);
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void aRemovedFrontendStopsAcceptingButItsSessionGoesOn() throws IOException {
    try (Session session = new Session(portB)) {
      assertThat(session.roundTrip("hello")).isEqualTo("hello");
      Map<String, JsonObject> next = base();
      next.remove("b");
      write(watchedFile, config(next));
      eventually(APPLIED, "b's port closed", () -> !connects(portB));
      eventually(APPLIED, "b gone from the table", () -> watched.frontends().keySet().equals(java.util.Set.of("a")));
      assertThat(session.roundTrip("still served")).isEqualTo("still served");
    }
    assertThat(messages()).anyMatch(m -> m.startsWith("reload: frontend b removed: no longer listening on 127.0.0.1:" + portB));
  }

  @Test
  void anInvalidEditIsRejectedAndTheRunningConfigKeepsServing() throws IOException {
    Map<String, JsonObject> next = base();
    next.put("a", frontend(70000));
    write(watchedFile, config(next));
    eventually(APPLIED, "the rejection logged", () -> messages().contains(
        "reload rejected: frontends.a.port: 70000 is out of range 1..65535"));
    Files.writeString(watchedFile, "{\"role\": \"balancer\", \"frontends\": {", StandardCharsets.UTF_8);
    eventually(APPLIED, "bad JSON rejected", () -> messages().stream().anyMatch(m ->
        m.startsWith("reload rejected: " + watchedFile + ": invalid JSON")));
    synchronized (logs) {
      assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().startsWith("reload rejected"))
          .allMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN);
    }
    assertThat(echoOnce(portA, "still a")).isEqualTo("still a");
    assertThat(watched.frontends().get("a").config().port()).isEqualTo(portA);
  }

  @Test
  void postApiReloadAppliesTheFileOnDemand() throws IOException {
    int portD = TestPorts.free();
    write(manualFile, config(Map.of("d", frontend(portD))));
    assertThat(connects(portD)).isFalse(); // no watch: nothing happens until asked
    AdminHttp.Reply reply = manualApi.post("/api/reload");
    assertThat(reply.status()).isEqualTo(200);
    JsonArray changes = reply.json().getJsonArray("changes");
    assertThat(changes).hasSize(1);
    assertThat(changes.getString(0)).startsWith("frontend d added: listening on 127.0.0.1:" + portD);
    assertThat(connects(portD)).isTrue();
    assertThat(manual.frontends()).containsOnlyKeys("viaset", "d");
    assertThat(echoOnce(portViaSet, "set")).isEqualTo("set");

    assertThat(manualApi.post("/api/reload").json().getJsonArray("changes")).isEmpty();

    write(manualFile, config(Map.of("d", frontend(70000))));
    AdminHttp.Reply rejected = manualApi.post("/api/reload");
    assertThat(rejected.status()).isEqualTo(400);
    assertThat(rejected.json().getString("error")).isEqualTo("frontends.d.port: 70000 is out of range 1..65535");
    assertThat(manual.frontends().get("d").config().port()).isEqualTo(portD);

    // Sections other than frontends need a restart: reported, not applied.
    JsonObject otherNode = config(Map.of("d", frontend(portD)));
    otherNode.getJsonObject("node").put("drainTimeout", "5s");
    write(manualFile, otherNode);
    AdminHttp.Reply restart = manualApi.post("/api/reload");
    assertThat(restart.status()).isEqualTo(200);
    assertThat(restart.json().getJsonArray("restartNeeded")).containsExactly("node");
    assertThat(manual.config().node().drainTimeoutMs()).isEqualTo(30_000);
  }

  // ---- helpers ----

  static Map<String, JsonObject> base() {
    Map<String, JsonObject> m = new LinkedHashMap<>();
    m.put("a", frontend(portA));
    m.put("b", frontend(portB));
    return m;
  }

  static JsonObject frontend(int port) {
    return new JsonObject().put("port", port).put("pool", "echo");
  }

  static JsonObject config(Map<String, JsonObject> frontends) {
    JsonObject f = new JsonObject();
    frontends.forEach(f::put);
    return new JsonObject().put("role", "balancer").put("node", new JsonObject().put("drainTimeout", "30s"))
        .put("frontends", f);
  }

  /** As an editor saves: a new file renamed over the old one, so no scan sees half of it. */
  static void write(Path file, JsonObject config) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, config.encodePrettily(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static void awaitFrontends(Balancer b, Map<String, Integer> ports) {
    eventually(APPLIED, "frontends " + ports, () -> {
      Map<String, Integer> now = new LinkedHashMap<>();
      b.frontends().forEach((name, f) -> now.put(name, f.config().port()));
      return now.equals(ports) && b.frontends().values().stream()
          .allMatch(f -> f.config().algorithm().equals("roundrobin") && f.config().retries() == 2);
    });
  }

  static List<String> messages() {
    synchronized (logs) {
      return new ArrayList<>(logs.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  static boolean connects(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (ConnectException e) {
      return false;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** An echo session that stays open: each round trip writes a text and reads exactly as many bytes back. */
  static final class Session implements AutoCloseable {
    private final Socket socket;

    Session(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(5000);
    }

    String roundTrip(String text) throws IOException {
      byte[] out = text.getBytes(StandardCharsets.UTF_8);
      socket.getOutputStream().write(out);
      return new String(socket.getInputStream().readNBytes(out.length), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
