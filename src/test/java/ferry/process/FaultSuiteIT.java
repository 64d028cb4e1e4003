package ferry.process;

import ferry.TestPorts;
import ferry.process.FaultKit.Cluster;
import ferry.process.FaultKit.FloodResult;
import ferry.process.FaultKit.Load;
import ferry.process.FaultKit.LoadLoop;
import ferry.process.FreshProbe.Attempt;
import ferry.process.FreshProbe.Kind;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static ferry.process.FaultKit.awaitLogAfter;
import static ferry.process.FaultKit.describe;
import static ferry.process.FaultKit.failedFrom;
import static ferry.process.FaultKit.failures;
import static ferry.process.FaultKit.now;
import static ferry.process.FaultKit.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault suite (issue 4, section 7) on the built jar: each scenario runs 3 servers and its balancer(s) as
 * separate JVMs in a Hazelcast cluster of its own (ports 5961-6000, 10 per scenario), a verifying load of long
 * sessions (the client role) and a stream of fresh short connections, injects the fault and checks the figures.
 * The long versions, with a table, are in {@code bench/faults}; SIGSTOP (S2) is {@link HungServerIT}'s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FaultSuiteIT {
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private Cluster cluster(String scen, int hzPort, int balancers, String extraFrontends) {
    Cluster c = new Cluster(scen, hzPort);
    resources.add(c);
    return c.start(balancers, extraFrontends);
  }

  private FreshProbe probe(Cluster c, int port, Kind kind, int workers) {
    FreshProbe p = FreshProbe.start("127.0.0.1", port, kind, workers, 3000);
    resources.add(p::stop);
    return p;
  }

  private static void report(String scen, String line) {
    System.out.println("[fault suite] " + scen + ": " + line);
  }

  /** S1: a server is SIGKILLed under load. */
  @Test
  @Order(1)
  void s1SigkillOfOneServerFailsNoNewConnection() throws Exception {
    Cluster c = cluster("S1", 5961, 1, "");
    String victim = "S1-s2";
    FreshProbe fresh = probe(c, c.echoPort, Kind.ECHO, 3);
    NodeProcess load = c.client("load", 12, "10s");
    load.awaitLog("t=2s requests=[1-9]", Duration.ofSeconds(30)); // its sessions are established and running
    long onVictim = activeOn(c, "echo", victim);

    long t0 = now();
    c.node(victim).kill();
    long dead = now();
    long detected = awaitLogAfter(c.balancer(), "node left: " + victim + " |" + victim + "/echo@\\S+ in pool echo is down", t0,
        Duration.ofSeconds(30));
    // fresh connections keep coming after the kill (and go on until the load ends)
    fresh.awaitAttempts(51, a -> a.t0() >= dead && a.ok(), Duration.ofSeconds(20));
    load.awaitExit(Duration.ofSeconds(60));
    List<Attempt> as = fresh.stop();
    Load l = Load.of(load);

    List<Attempt> failedNew = failedFrom(as, dead);
    report("S1", String.format("fresh %d (failed after the kill %d, in flight %d), load %d req, failedConnects %d, "
            + "broken %d (%d sessions were on %s), mismatched %d, detected after %d ms", as.size(), failedNew.size(),
        failures(as).size() - failedNew.size(), l.requests(), l.failedConnects(), l.brokenSessions(), onVictim, victim,
        l.mismatchedBytes(), detected - t0));
    assertThat(detected).as("the balancer noticed the kill").isPositive();
    assertThat(failedNew).as("fresh connections started after the kill that failed").isEmpty();
    assertThat(as.stream().filter(a -> a.t0() >= dead && a.ok()).count()).as("fresh connections after the kill").isGreaterThan(50);
    assertThat(l.failedConnects()).as("load: failed connects").isZero();
    assertThat(l.mismatchedBytes() + as.stream().mapToInt(Attempt::mismatched).sum()).as("mismatched bytes").isZero();
    // the sessions that were on the killed server end, and are counted as broken (not hidden)
    assertThat(l.brokenSessions()).as("broken sessions (%d were on %s)", onVictim, victim).isBetween(1L, 12L);
  }

  /** S3: SIGTERM drains a server: open sessions run to their end, new ones go elsewhere at once. */
  @Test
  @Order(2)
  void s3SigtermDrainsWithoutBreakingAnything() throws Exception {
    Cluster c = cluster("S3", 5971, 1, "");
    String victim = "S3-s2";
    FreshProbe echo = probe(c, c.echoPort, Kind.ECHO, 2);
    FreshProbe who = probe(c, c.whoamiPort, Kind.WHOAMI, 2);
    LoadLoop loop = c.loadLoop("load", 9, "4s"); // sessions with a bounded lifetime, so the drain can finish
    who.awaitAttempts(1, a -> a.ok() && victim.equals(a.server()), Duration.ofSeconds(20));
    loop.awaitNewRun(Duration.ofSeconds(40)); // the signal hits sessions in their middle, ~3 s before they end
    long sessions = activeOn(c, "echo", victim);
    assertThat(FaultKit.answeredBy(who.snapshot(), victim, 0)).as("whoami answers from %s before", victim).isPositive();

    long t0 = now();
    FaultKit.signal("TERM", c.node(victim).pid());
    long seen = awaitLogAfter(c.balancer(), "node changed: " + victim + " .*draining", t0, Duration.ofSeconds(10));
    int code = c.node(victim).awaitExit(Duration.ofSeconds(25)); // drainTimeout 10 s, then leaving the cluster
    long exited = now();
    // new connections go on working after it left: whoami answered by each of the other two
    for (String other : List.of("S3-s1", "S3-s3")) {
      who.awaitAttempts(1, a -> a.t0() >= exited && a.ok() && other.equals(a.server()), Duration.ofSeconds(20));
    }
    Load l = loop.stop();
    List<Attempt> es = echo.stop();
    List<Attempt> ws = who.stop();

    long afterSeen = FaultKit.answeredBy(ws, victim, seen);
    report("S3", String.format("%d sessions on %s; drain seen after %d ms, %s exited (code %d) after %d ms; load %d runs %d req, "
            + "failedConnects %d, broken %d, mismatched %d; fresh %d (failed %d); whoami answers from %s after "
            + "SIGTERM %d, after the drain was seen %d", sessions, victim, seen - t0, victim, code, exited - t0, loop.runs(), l.requests(),
        l.failedConnects(), l.brokenSessions(), l.mismatchedBytes(), es.size() + ws.size(),
        failures(es).size() + failures(ws).size(), victim, FaultKit.answeredBy(ws, victim, t0), afterSeen));
    assertThat(seen).as("the balancer saw the drain").isPositive();
    assertThat(seen - t0).as("drain seen by the balancer (ms)").isLessThanOrEqualTo(1000);
    assertThat(l.brokenSessions()).as("broken sessions").isZero();
    assertThat(l.failedConnects()).as("load: failed connects").isZero();
    assertThat(l.mismatchedBytes()).as("mismatched bytes").isZero();
    assertThat(failures(es)).as("fresh echo failures: %s", describe(failures(es), t0)).isEmpty();
    assertThat(failures(ws)).as("fresh whoami failures: %s", describe(failures(ws), t0)).isEmpty();
    assertThat(afterSeen).as("new connections to %s after the balancer saw the drain", victim).isZero();
    assertThat(sessions).as("sessions on %s at the signal", victim).isPositive();
    assertThat(c.node(victim).output()).contains("drained in");
  }

  /** S5: two balancers share one port (SO_REUSEPORT); one is SIGKILLed. */
  @Test
  @Order(3)
  void s5SigkillOfOneOfTwoBalancersOnOnePortFailsNoNewConnection() throws Exception {
    Cluster c = cluster("S5", 5981, 2, "");
    FreshProbe fresh = probe(c, c.echoPort, Kind.ECHO, 3);
    NodeProcess load = c.client("load", 12, "10s");
    load.awaitLog("t=3s requests=[1-9]", Duration.ofSeconds(30)); // fresh connections have reached both balancers
    long before1 = FaultKit.frontend(FaultKit.status(c.admin.get("S5-lb1")), "echo").getLong("totalConnections", 0L);
    long before2 = FaultKit.frontend(FaultKit.status(c.admin.get("S5-lb2")), "echo").getLong("totalConnections", 0L);

    long t0 = now();
    c.node("S5-lb2").kill();
    long dead = now();
    fresh.awaitAttempts(51, a -> a.t0() >= dead && a.ok(), Duration.ofSeconds(20));
    load.awaitExit(Duration.ofSeconds(60));
    List<Attempt> as = fresh.stop();
    Load l = Load.of(load);
    long after1 = FaultKit.frontend(FaultKit.status(c.admin.get("S5-lb1")), "echo").getLong("totalConnections", 0L);

    List<Attempt> failedNew = failedFrom(as, dead);
    report("S5", String.format("connections before the kill: lb1 %d, lb2 %d; lb1 after %d; fresh %d (failed after "
            + "the kill %d, in flight %d: %s); load %d req, failedConnects %d, broken %d, mismatched %d; gone %d ms after SIGKILL",
        before1, before2, after1, as.size(), failedNew.size(), failures(as).size() - failedNew.size(),
        describe(failures(as), t0), l.requests(), l.failedConnects(), l.brokenSessions(), l.mismatchedBytes(), dead - t0));
    assertThat(before1).as("lb1 took connections").isPositive();
    assertThat(before2).as("lb2 took connections").isPositive();
    assertThat(failedNew).as("fresh connections started after the kill that failed").isEmpty();
    assertThat(as.stream().filter(a -> a.t0() >= dead && a.ok()).count()).as("fresh connections after the kill").isGreaterThan(50);
    assertThat(after1).as("lb1 takes every new connection").isGreaterThan(before1);
    assertThat(l.mismatchedBytes()).as("mismatched bytes").isZero();
  }

  /** S7: 200 connections at once against maxconn 20, maxqueue 10, queueTimeoutMs 1000. */
  @Test
  @Order(4)
  void s7FloodPastMaxconnIsRejectedCleanlyWhileTheBalancerKeepsServing() throws Exception {
    int floodPort = TestPorts.free();
    Cluster c = cluster("S7", 5991, 1, ",\"flood\":{\"host\":\"127.0.0.1\",\"port\":" + floodPort
        + ",\"pool\":\"echo\",\"maxconn\":20,\"maxqueue\":10,\"queueTimeoutMs\":1000}");
    FreshProbe fresh = probe(c, c.echoPort, Kind.ECHO, 2);
    NodeProcess load = c.client("load", 8, "10s");
    load.awaitLog("requests=[1-9]", Duration.ofSeconds(30));

    FloodResult f = FaultKit.flood(floodPort, 200, 3000, 8000);
    JsonObject counters = FaultKit.frontend(FaultKit.status(c.admin.get("S7-lb1")), "flood");
    List<Attempt> after = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      after.add(FreshProbe.once(new java.net.InetSocketAddress("127.0.0.1", floodPort), Kind.ECHO, 3000));
    }
    load.awaitExit(Duration.ofSeconds(60));
    List<Attempt> as = fresh.stop();
    Load l = Load.of(load);

    report("S7", String.format("flood: served %d, closed %d (FIN %d, RST %d; %d within 0.9 s of their connect, %d at 0.9-3 s), hung %d, "
            + "connect failed %d, served but closed early %d; flood frontend counters %s; afterwards %d/20 ok; normal load "
            + "%d req, failedConnects %d, broken %d, mismatched %d, p99 %d us; fresh %d (failed %d)", f.served(), f.closed(),
        f.closedFin(), f.closedReset(), f.closedBetween(0, 900), f.closedBetween(900, 3000), f.hung(), f.connectFailed(),
        f.servedClosedEarly(), counters.encode(), after.stream().filter(Attempt::ok).count(), l.requests(),
        l.failedConnects(), l.brokenSessions(), l.mismatchedBytes(), l.p99(), as.size(), failures(as).size()));
    assertThat(f.served()).as("connections served (maxconn)").isEqualTo(20);
    assertThat(f.servedClosedEarly()).as("served connections closed by the balancer").isZero();
    assertThat(f.hung()).as("hung connections").isZero();
    assertThat(f.closedReset()).as("refused connections reset instead of closed with a FIN").isZero();
    assertThat(f.served() + f.closed() + f.connectFailed()).as("every connection accounted for").isEqualTo(200);
    // from its connect to its close: a queued connection waits queueTimeoutMs (1 s), one past the queue none
    assertThat(f.closedBetween(900, 3000)).as("queued connections closed after queueTimeoutMs").isEqualTo(10);
    assertThat(f.closedBetween(0, 900)).as("connections past the queue, closed at once").isEqualTo(170);
    assertThat(after).as("the flooded frontend serves again").allMatch(Attempt::ok);
    assertThat(l.failedConnects() + l.brokenSessions() + l.mismatchedBytes()).as("normal client failures").isZero();
    assertThat(failures(as)).as("fresh connections on the other frontend").isEmpty();
    // "closed cleanly and counted": when the status API reports the frontend's limit counters, they must agree
    if (counters.containsKey("rejected")) {
      assertThat(counters.getLong("rejected")).as("rejected (queue full)").isEqualTo(170L);
    }
    if (counters.containsKey("queueTimeouts")) {
      assertThat(counters.getLong("queueTimeouts")).as("queue timeouts").isEqualTo(10L);
    }
  }

  /** S8: a server in its own network namespace loses its link; it is removed within 3 s and back after heal. */
  @Test
  @Order(5)
  void s8ServerCutOffByItsLinkIsRemovedAndComesBack() throws Exception {
    Optional<String> why = Netns.unavailable();
    if (why.isPresent()) {
      System.out.println("[fault suite] S8 skipped: " + why.get());
    }
    Assumptions.assumeTrue(why.isEmpty(), () -> "S8 needs network namespaces: " + why.orElse(""));
    Netns ns = Netns.up(4);
    resources.add(ns);
    String a1 = ns.addr("h1");
    String[] addr = {null, a1, ns.addr("h2"), ns.addr("h3"), ns.addr("h4")};
    int hz = 5961; // each namespace has ports of its own
    String cluster = "ferry-faults-S8-" + ns.prefix;
    String members = "[" + java.util.stream.IntStream.rangeClosed(1, 4).mapToObj(i -> "\"" + addr[i] + ":" + hz + "\"")
        .collect(Collectors.joining(",")) + "]";
    List<NodeProcess> servers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String h = addr[i + 1];
      servers.add(ns.jar("h" + (i + 1), "S8-s" + i, List.of("--role", "server", "--set", "node.name=S8-s" + i,
          "--set", "cluster.name=" + cluster, "--set", "cluster.host=" + h, "--set", "cluster.port=" + hz,
          "--set", "cluster.members=" + members, "--set", "services.echo.host=" + h, "--set", "services.whoami.host=" + h,
          "--set", "node.drainTimeout=10s")));
      if (i == 1) {
        servers.get(0).awaitLog("server S8-s1 up", Duration.ofSeconds(120));
      }
    }
    Path config = NodeProcess.LOGS.resolve("S8-lb1.json");
    Files.writeString(config, "{\"role\":\"balancer\",\"node\":{\"name\":\"S8-lb1\"},\"admin\":{\"enabled\":false},"
        + "\"cluster\":{\"name\":\"" + cluster + "\",\"host\":\"" + a1 + "\",\"port\":" + hz + ",\"portAutoIncrement\":true,"
        + "\"members\":" + members + ",\"multicast\":false},\"frontends\":{"
        + "\"echo\":{\"host\":\"" + a1 + "\",\"port\":9000,\"pool\":\"echo\"},"
        + "\"whoami\":{\"host\":\"" + a1 + "\",\"port\":9080,\"pool\":\"whoami\"}}}");
    NodeProcess lb = ns.jar("h1", "S8-lb1", List.of("--role", "balancer", "--config", config.toString()));
    for (NodeProcess s : servers) {
      s.awaitLog("service whoami: pool whoami at", Duration.ofSeconds(120));
    }
    for (int i = 1; i <= 3; i++) {
      lb.awaitLog("node joined: S8-s" + i + " \\(server\\)", Duration.ofSeconds(120));
    }
    // fresh connections and the load run inside h1, where the balancer is
    Path dir = NodeProcess.LOGS.resolve("S8-" + ns.prefix);
    Files.createDirectories(dir);
    Path stop = dir.resolve("stop");
    String cp = Path.of(FreshProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    NodeProcess probeEcho = ns.start("h1", "S8-probe-echo", List.of(NodeProcess.java(), "-cp", cp, FreshProbe.class.getName(), a1, "9000", "echo", "2",
        "5000", stop.toString(), dir.resolve("echo.txt").toString()));
    NodeProcess probeWho = ns.start("h1", "S8-probe-who", List.of(NodeProcess.java(), "-cp", cp, FreshProbe.class.getName(), a1, "9080", "whoami", "2",
        "5000", stop.toString(), dir.resolve("who.txt").toString()));
    resources.add(() -> Files.writeString(stop, "stop")); // closed before the namespaces go
    // steady: every server answers whoami and nothing failed for 2 s (start-up health checks can flap)
    long deadline = now() + 60_000;
    while (true) {
      long t = now();
      List<Attempt> recent = FreshProbe.read(dir.resolve("who.txt")).stream().filter(a -> a.t0() >= t - 2000).toList();
      Set<String> answering = recent.stream().filter(Attempt::ok).map(Attempt::server).collect(Collectors.toSet());
      if (answering.size() == 3 && failures(recent).isEmpty()) {
        break;
      }
      assertThat(now()).as("all 3 servers answering in h1; recently: %s", answering).isLessThan(deadline);
      sleep(500);
    }
    LoadLoop loop = new LoadLoop("S8-load", n -> ns.jar("h1", "S8-load-" + n, FaultKit.clientArgs(a1 + ":9000", 6, "4s")));
    loop.awaitNewRun(Duration.ofSeconds(40)); // the cut hits sessions in their middle

    long t0 = now();
    ns.cut("h4");
    long down = awaitLogAfter(lb.log, "S8-s3/echo@\\S+ in pool echo is down", t0, Duration.ofSeconds(15));
    long left = awaitLogAfter(lb.log, "node left: S8-s3 ", t0, Duration.ofSeconds(30)); // dropped: back must be a merge
    long t1 = now();
    ns.heal("h4");
    long back = awaitLogAfter(lb.log, "node joined: S8-s3 |S8-s3/echo@\\S+ in pool echo is up again", t1, Duration.ofSeconds(60));
    long answered = -1;
    for (long until = now() + 20_000; now() < until && answered < 0; sleep(200)) {
      answered = FreshProbe.read(dir.resolve("who.txt")).stream()
          .filter(a -> a.ok() && "S8-s3".equals(a.server()) && a.t0() >= t1).mapToLong(Attempt::t0).min().orElse(-1);
    }
    Load l = loop.stop();
    Files.writeString(stop, "stop");
    for (NodeProcess p : List.of(probeEcho, probeWho)) {
      p.awaitExit(Duration.ofSeconds(30)); // each finishes its attempt in flight (timeout 5 s) and exits
    }
    List<Attempt> as = new ArrayList<>(FreshProbe.read(dir.resolve("echo.txt")));
    as.addAll(FreshProbe.read(dir.resolve("who.txt")));

    long detectedAt = down > 0 ? down : t0;
    List<Attempt> failedWhileOut = as.stream().filter(a -> !a.ok() && a.t0() >= detectedAt && a.t0() < t1).toList();
    report("S8", String.format("down %d ms after the cut, dropped by Hazelcast after %d ms, back %d ms after heal, "
            + "first whoami answer from S8-s3 %d ms after heal; load %d runs %d req, failedConnects %d, broken %d, "
            + "mismatched %d; fresh %d (failed %d: %s)", down - t0, left - t0, back - t1, answered - t1, loop.runs(),
        l.requests(), l.failedConnects(), l.brokenSessions(), l.mismatchedBytes(), as.size(), failures(as).size(),
        describe(failures(as), t0)));
    assertThat(down).as("the balancer took S8-s3 out").isPositive();
    assertThat(down - t0).as("out of rotation after the cut (ms)").isLessThanOrEqualTo(3000);
    assertThat(back).as("S8-s3 back after heal").isPositive();
    assertThat(answered).as("S8-s3 answers again after heal").isPositive();
    assertThat(failedWhileOut).as("fresh connections failed once the cut was detected").isEmpty();
    assertThat(l.mismatchedBytes() + as.stream().mapToInt(Attempt::mismatched).sum()).as("mismatched bytes").isZero();
  }

  /** The balancer's open connections to {@code node}'s service in {@code pool}. */
  private static long activeOn(Cluster c, String pool, String node) {
    JsonObject st = FaultKit.status(c.admin.get(c.scen + "-lb1"));
    var servers = st.getJsonObject("pools", new JsonObject()).getJsonObject(pool, new JsonObject())
        .getJsonArray("servers", new io.vertx.core.json.JsonArray());
    for (int i = 0; i < servers.size(); i++) {
      if (node.equals(servers.getJsonObject(i).getString("name"))) {
        return servers.getJsonObject(i).getLong("activeConnections", 0L);
      }
    }
    return -1;
  }
}
