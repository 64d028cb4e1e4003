package ferry.process;

import ferry.TestPorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the fault scenarios share: a cluster of the built jar (servers and balancers as separate JVMs, each in a
 * Hazelcast cluster and port range of its own), verifying load runs of the client role, timestamps of log lines,
 * the admin API, signals by PID, and a connection flood.
 */
final class FaultKit {
  private FaultKit() {
  }

  static long now() {
    return System.currentTimeMillis();
  }

  static void signal(String sig, long pid) {
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("kill -" + sig + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // --- log lines -------------------------------------------------------------------------------------------------

  private static final Pattern TS = Pattern.compile("^(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d\\d\\d) ");

  /** A logback line's HH:mm:ss.SSS (local time) as epoch ms, on the day nearest {@code ref}. */
  static long lineTime(String line, long ref) {
    Matcher m = TS.matcher(line);
    if (!m.find()) {
      return -1;
    }
    LocalTime t = LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
        Integer.parseInt(m.group(4)) * 1_000_000);
    ZoneId zone = ZoneId.systemDefault();
    LocalDate day = Instant.ofEpochMilli(ref).atZone(zone).toLocalDate();
    long best = -1;
    for (int d = -1; d <= 1; d++) {
      long c = LocalDateTime.of(day.plusDays(d), t).atZone(zone).toInstant().toEpochMilli();
      if (best < 0 || Math.abs(c - ref) < Math.abs(best - ref)) {
        best = c;
      }
    }
    return best;
  }

  /** Epoch ms of the first line of {@code log} matching {@code regex} logged at or after {@code after}, or -1. */
  static long firstLogAfter(Path log, String regex, long after) {
    Pattern p = Pattern.compile(regex);
    try {
      if (!Files.exists(log)) {
        return -1;
      }
      try (var lines = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
        return lines.filter(l -> p.matcher(l).find())
            .mapToLong(l -> lineTime(l, after))
            .filter(t -> t >= after - 5)
            .findFirst().orElse(-1);
      }
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  /** Waits (bounded) for such a line; its epoch ms, or -1 when none came within {@code limit}. */
  static long awaitLogAfter(NodeProcess node, String regex, long after, Duration limit) {
    return awaitLogAfter(node.log, regex, after, limit);
  }

  static long awaitLogAfter(Path log, String regex, long after, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      long t = firstLogAfter(log, regex, after);
      if (t >= 0) {
        return t;
      }
      sleep(100);
    }
    return -1;
  }

  // --- the admin API ---------------------------------------------------------------------------------------------

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  static JsonObject status(int adminPort) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/api/status"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body());
    } catch (IOException | RuntimeException e) {
      return new JsonObject();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static JsonObject frontend(JsonObject status, String name) {
    JsonArray fs = status.getJsonArray("frontends", new JsonArray());
    for (int i = 0; i < fs.size(); i++) {
      if (name.equals(fs.getJsonObject(i).getString("name"))) {
        return fs.getJsonObject(i);
      }
    }
    return new JsonObject();
  }

  /** Servers of {@code pool} whose state (as this balancer uses it) is up. */
  static int upIn(JsonObject status, String pool) {
    JsonObject p = status.getJsonObject("pools", new JsonObject()).getJsonObject(pool, new JsonObject());
    JsonArray servers = p.getJsonArray("servers", new JsonArray());
    int n = 0;
    for (int i = 0; i < servers.size(); i++) {
      if ("up".equals(servers.getJsonObject(i).getString("state"))) {
        n++;
      }
    }
    return n;
  }

  // --- load runs of the client role ------------------------------------------------------------------------------

  /** The client's JSON summary (its last stdout line). */
  record Load(long requests, long failedConnects, long brokenSessions, long mismatchedBytes, long failedRequests, long p99) {
    static final Load NONE = new Load(0, 0, 0, 0, 0, 0);

    static Load of(NodeProcess client) {
      return parse(client.name, client.output());
    }

    static Load parse(String name, String output) {
      String[] lines = output.trim().split("\n");
      JsonObject j;
      try {
        j = new JsonObject(lines[lines.length - 1]);
      } catch (RuntimeException e) {
        throw new AssertionError(name + " printed no JSON summary:\n" + output);
      }
      return new Load(j.getLong("requests"), j.getLong("failedConnects"), j.getLong("brokenSessions"),
          j.getLong("mismatchedBytes"), j.getLong("failedRequests"), j.getJsonObject("latencyUs").getLong("p99"));
    }

    Load plus(Load o) {
      return new Load(requests + o.requests, failedConnects + o.failedConnects, brokenSessions + o.brokenSessions,
          mismatchedBytes + o.mismatchedBytes, failedRequests + o.failedRequests, Math.max(p99, o.p99));
    }
  }

  static List<String> clientArgs(String target, int connections, String duration) {
    return List.of("--role", "client", "--target", target, "--connections", Integer.toString(connections),
        "--duration", duration, "--size", "64", "--json");
  }

  /** A client run; where it runs (this network namespace, or another) is the starter's business. */
  interface Run {
    String output();

    int awaitExit(Duration limit);

    void kill();
  }

  /** Client runs back to back (so every session has a bounded lifetime) until stopped. */
  static final class LoadLoop {
    private final List<Load> results = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean stopped;
    private volatile Run current;
    private volatile int started;

    /** {@code starter}: starts run number N (from 1) in the background. */
    LoadLoop(String name, java.util.function.IntFunction<Run> starter) {
      thread = new Thread(() -> {
        int n = 0;
        while (!stopped) {
          Run c = starter.apply(++n);
          current = c;
          started = n;
          c.awaitExit(Duration.ofSeconds(90));
          results.add(Load.parse(name + "-" + n, c.output()));
        }
      }, name);
      thread.setDaemon(true);
      thread.start();
    }

    /** Lets the current run end normally; the sum of all runs. */
    Load stop() {
      stopped = true;
      try {
        thread.join(120_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        Run c = current;
        if (c != null) {
          c.kill();
        }
        throw new AssertionError("a load run did not end");
      }
      synchronized (results) {
        return results.stream().reduce(Load.NONE, Load::plus);
      }
    }

    int runs() {
      return results.size();
    }

    /** Waits until a run that starts after now has run for a second: its sessions are in their middle. */
    void awaitNewRun(Duration limit) {
      int before = started;
      long deadline = System.nanoTime() + limit.toNanos();
      while (System.nanoTime() < deadline) {
        Run c = current;
        if (started > before && c != null && c.output().contains("t=1s")) {
          return;
        }
        sleep(50);
      }
      throw new AssertionError("no new load run got going within " + limit);
    }
  }

  // --- a cluster -------------------------------------------------------------------------------------------------

  /**
   * 3 servers ({@code SCEN-s1..3}: echo and whoami, drainTimeout 10 s) and balancers ({@code SCEN-lb1..}) that
   * share frontend ports {@code echo} and {@code whoami} (SO_REUSEPORT) and have an admin port each.
   */
  static final class Cluster implements AutoCloseable {
    final String scen;
    final String name;
    final int hzPort;
    final int echoPort = TestPorts.free();
    final int whoamiPort = TestPorts.free();
    final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
    final Map<String, Integer> serverEcho = new LinkedHashMap<>();
    final Map<String, Integer> admin = new LinkedHashMap<>();
    final List<NodeProcess> clients = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> frozen = new ArrayList<>();

    Cluster(String scen, int hzPort) {
      this.scen = scen;
      this.name = "ferry-faults-" + scen + "-" + java.util.UUID.randomUUID().toString().substring(0, 6);
      this.hzPort = hzPort;
    }

    List<String> clusterSets() {
      return List.of("--set", "cluster.name=" + name, "--set", "cluster.port=" + hzPort,
          "--set", "cluster.members=[\"127.0.0.1:" + hzPort + "-" + (hzPort + 9) + "\"]");
    }

    NodeProcess startServer(String node) {
      List<String> args = new ArrayList<>(List.of("--role", "server", "--set", "node.name=" + node,
          "--set", "node.drainTimeout=10s"));
      args.addAll(clusterSets());
      NodeProcess p = NodeProcess.start(node, args);
      nodes.put(node, p);
      return p;
    }

    int serverReady(String node) {
      NodeProcess p = nodes.get(node);
      p.awaitLog("service whoami: pool whoami at", Duration.ofSeconds(120));
      int port = Integer.parseInt(p.awaitLog("service echo: pool echo at [0-9.]+:(\\d+)", Duration.ofSeconds(5)));
      serverEcho.put(node, port);
      return port;
    }

    NodeProcess startBalancer(String node, String extraFrontends) {
      int adminPort = TestPorts.free();
      String json = "{\"role\":\"balancer\",\"node\":{\"name\":\"" + node + "\"},"
          + "\"admin\":{\"enabled\":true,\"host\":\"127.0.0.1\",\"port\":" + adminPort + "},"
          + "\"cluster\":{\"name\":\"" + name + "\",\"host\":\"127.0.0.1\",\"port\":" + hzPort + ",\"portAutoIncrement\":true,"
          + "\"members\":[\"127.0.0.1:" + hzPort + "-" + (hzPort + 9) + "\"],\"multicast\":false},"
          + "\"frontends\":{\"echo\":{\"host\":\"127.0.0.1\",\"port\":" + echoPort + ",\"pool\":\"echo\"},"
          + "\"whoami\":{\"host\":\"127.0.0.1\",\"port\":" + whoamiPort + ",\"pool\":\"whoami\"}" + extraFrontends + "}}";
      Path config = NodeProcess.LOGS.resolve(node + ".json");
      try {
        Files.createDirectories(NodeProcess.LOGS);
        Files.writeString(config, json);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      NodeProcess p = NodeProcess.start(node, List.of("--role", "balancer", "--config", config.toString()));
      nodes.put(node, p);
      admin.put(node, adminPort);
      return p;
    }

    /** Starts everything and waits until every balancer has the 3 servers up in both pools (steadily). */
    Cluster start(int balancers, String extraFrontends) {
      NodeProcess first = startServer(scen + "-s1");
      first.awaitLog("server " + scen + "-s1 up", Duration.ofSeconds(120));
      startServer(scen + "-s2");
      startServer(scen + "-s3");
      for (int i = 1; i <= balancers; i++) {
        startBalancer(scen + "-lb" + i, extraFrontends);
      }
      for (int i = 1; i <= 3; i++) {
        serverReady(scen + "-s" + i);
      }
      for (int i = 1; i <= balancers; i++) {
        NodeProcess lb = nodes.get(scen + "-lb" + i);
        lb.awaitLog("frontend whoami: listening", Duration.ofSeconds(120));
        for (int s = 1; s <= 3; s++) {
          lb.awaitLog("node joined: " + scen + "-s" + s + " \\(server\\)", Duration.ofSeconds(120));
        }
        settle(scen + "-lb" + i, 3);
      }
      return this;
    }

    /** Start-up health checks can flap on a loaded machine (a cold JVM misses a 500 ms check): wait them out. */
    void settle(String balancer, int servers) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      int steady = 0;
      JsonObject st = new JsonObject();
      while (System.nanoTime() < deadline) {
        st = status(admin.get(balancer));
        if (upIn(st, "echo") == servers && upIn(st, "whoami") == servers) {
          if (++steady >= 2) {
            return;
          }
        } else {
          steady = 0;
        }
        sleep(1000);
      }
      throw new AssertionError(balancer + " does not have " + servers + " servers up after 60 s: " + st.encode());
    }

    NodeProcess node(String n) {
      return nodes.get(n);
    }

    NodeProcess balancer() {
      return nodes.get(scen + "-lb1");
    }

    void freeze(NodeProcess p) {
      frozen.add(p.pid());
      signal("STOP", p.pid());
    }

    void thaw(NodeProcess p) {
      signal("CONT", p.pid());
      frozen.remove(p.pid());
    }

    NodeProcess client(String suffix, int connections, String duration) {
      NodeProcess c = NodeProcess.start(scen + "-" + suffix, clientArgs("127.0.0.1:" + echoPort, connections, duration));
      clients.add(c);
      return c;
    }

    /** Back-to-back client runs of {@code duration} each against the echo frontend. */
    LoadLoop loadLoop(String suffix, int connections, String duration) {
      return new LoadLoop(scen + "-" + suffix, n -> client(suffix + "-" + n, connections, duration));
    }

    @Override
    public void close() {
      for (long pid : frozen) {
        try {
          signal("CONT", pid); // a stopped JVM cannot act on SIGTERM
        } catch (AssertionError ignored) {
          // already gone
        }
      }
      List<NodeProcess> all = new ArrayList<>(clients);
      List<NodeProcess> rev = new ArrayList<>(nodes.values());
      Collections.reverse(rev);
      all.addAll(rev);
      NodeProcess.closeAll(all);
    }
  }

  // --- a flood ---------------------------------------------------------------------------------------------------

  /**
   * How the flood's connections ended: served (echoed, then held), closed by the balancer (FIN or reset), or hung;
   * {@code closeMs}: for each closed one, ms from its connect to its close.
   */
  record FloodResult(int served, int closedFin, int closedReset, int hung, int connectFailed, int servedClosedEarly,
                     List<Long> closeMs) {
    int closed() {
      return closedFin + closedReset;
    }

    long closedBetween(long fromMs, long toMs) {
      return closeMs.stream().filter(t -> t >= fromMs && t < toMs).count();
    }
  }

  /**
   * Opens {@code n} connections at once; each sends 8 bytes; a connection whose bytes come back is served and
   * held for {@code holdMs}, then closed; one the balancer closes first is rejected; one with neither within
   * {@code waitMs} is hung.
   */
  static FloodResult flood(int port, int n, long holdMs, int waitMs) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch go = new CountDownLatch(1);
    long[] start = new long[1];
    List<Future<long[]>> fs = new ArrayList<>();
    // result: {kind, ms}; kind 0 served, 1 fin, 2 reset, 3 hung, 4 connect failed, 5 served but closed early
    for (int i = 0; i < n; i++) {
      byte[] payload = String.format("%07d\n", i).getBytes();
      fs.add(pool.submit(() -> {
        ready.countDown();
        go.await();
        try (Socket s = new Socket()) {
          try {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
          } catch (IOException e) {
            return new long[] {4, now() - start[0]};
          }
          long connected = now();
          s.setSoTimeout(waitMs);
          s.getOutputStream().write(payload);
          InputStream in = s.getInputStream();
          byte[] got = new byte[payload.length];
          int have = 0;
          try {
            while (have < got.length) {
              int r = in.read(got, have, got.length - have);
              if (r < 0) {
                return new long[] {1, now() - connected};
              }
              have += r;
            }
          } catch (SocketTimeoutException e) {
            return new long[] {3, now() - connected};
          } catch (IOException e) {
            return new long[] {2, now() - connected};
          }
          if (!Arrays.equals(got, payload)) {
            return new long[] {2, now() - connected};
          }
          long servedAt = now() - start[0];
          s.setSoTimeout((int) holdMs);
          try {
            if (in.read() < 0) {
              return new long[] {5, servedAt};
            }
          } catch (SocketTimeoutException expected) {
            // held for holdMs with the connection still open: as it should be
          } catch (IOException e) {
            return new long[] {5, servedAt};
          }
          return new long[] {0, servedAt};
        }
      }));
    }
    if (!ready.await(30, TimeUnit.SECONDS)) { // every thread at the latch, so they connect at once
      throw new AssertionError("flood threads did not start within 30 s");
    }
    start[0] = now();
    go.countDown();
    int[] kinds = new int[6];
    List<Long> closeMs = new ArrayList<>();
    for (Future<long[]> f : fs) {
      long[] r = f.get(waitMs + holdMs + 10_000, TimeUnit.MILLISECONDS);
      kinds[(int) r[0]]++;
      if (r[0] == 1 || r[0] == 2) {
        closeMs.add(r[1]);
      }
    }
    pool.shutdownNow();
    Collections.sort(closeMs);
    return new FloodResult(kinds[0] + kinds[5], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5], closeMs);
  }

  // --- figures of fresh connections ------------------------------------------------------------------------------

  static List<FreshProbe.Attempt> failures(List<FreshProbe.Attempt> as) {
    return as.stream().filter(a -> !a.ok()).toList();
  }

  /** Failed attempts that started at or after {@code t}: failed new connections. */
  static List<FreshProbe.Attempt> failedFrom(List<FreshProbe.Attempt> as, long t) {
    return as.stream().filter(a -> !a.ok() && a.t0() >= t).toList();
  }

  static long answeredBy(List<FreshProbe.Attempt> as, String server, long from) {
    return as.stream().filter(a -> a.ok() && server.equals(a.server()) && a.t0() >= from).count();
  }

  static String describe(List<FreshProbe.Attempt> fails, long ref) {
    return fails.stream().limit(10).map(a -> (a.t0() - ref) + "ms:" + a.error()).toList().toString();
  }

  static String hosts() {
    return System.getProperty("ferry.netns.hosts", System.getenv().getOrDefault("FERRY_NETNS_HOSTS", "/work/shared/netns/hosts.sh"));
  }
}
