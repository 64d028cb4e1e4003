package ferry;

import ferry.admin.ServerAdmin;
import ferry.balancer.Balancer;
import ferry.client.Client;
import ferry.config.AdminConfig;
import ferry.config.ConfigException;
import ferry.config.ConfigLoader;
import ferry.config.ConfigSource;
import ferry.config.FerryConfig;
import ferry.config.Role;
import ferry.ctl.Ctl;
import ferry.server.Server;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code java -jar ferry.jar --role balancer|server|client [--config FILE] [--set path=value]... [client flags]},
 * or {@code java -jar ferry.jar --role ctl status|drain NODE|enable NODE|weight NODE N [--admin HOST:PORT] [--json]}.
 * Exit codes: 0 done, 1 runtime failure (a port in use, a failed load run), 2 bad usage or configuration.
 */
@Command(name = "ferry", sortOptions = false, usageHelpAutoWidth = true,
    description = "Ferry: a high-availability TCP load-balancing cluster on Vert.x and Hazelcast.",
    footer = {"", "Roles:",
        "  balancer  joins the cluster, discovers servers, serves the frontends of its config",
        "  server    joins the cluster and announces its services (echo, whoami, external, java)",
        "  client    interactive client, or load generator with --connections",
        "  ctl       operator CLI over a node's admin API: status, drain NODE, enable NODE, weight NODE N",
        "", "Defaults of each role are conf/<role>.json. --role ROLE --help shows that role's flags.",
        "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration."})
public final class Main {
  static final String CLIENT_HELP = """

      Client flags (--role client; each is shorthand for --set KEY=VALUE):
        --target HOST:PORT[,HOST:PORT...]  where to connect; on a failed connect the next is tried (127.0.0.1:9000)
        --connections N                   load mode with N connections (0 = interactive: stdin to socket, reply to stdout)
        --duration D                      load run length: 500ms, 10s, 2m (default 10s when --requests is not given)
        --requests N                      load run of N requests in all, instead of a duration
        --size BYTES                      payload of each request (64)
        --codec lines|length              frame requests for a message-mode frontend: lines (SIZE printable bytes + \\n)
                                          or length (4-byte big-endian length + payload); default raw bytes
        --json                            last stdout line is a JSON summary
      Other client keys: connectTimeoutMs (2000)""";
  /** The keys balancers and servers share. */
  private static final String NODE_CLUSTER_HELP = "Node and cluster (balancer and server): "
      + "node.{name,eventLoops,drainTimeout}, cluster.{name,host,port,portAutoIncrement,members,multicast}";
  static final String BALANCER_HELP = """

      Balancer: frontends.NAME.{host,port,pool,mode,algorithm,scope,connectTimeoutMs,retries,maxconn,maxqueue,
      queueTimeoutMs,idleTimeoutMs}, message mode also {codec,maxFrameBytes,maxInFlight,sticky,requestTimeoutMs};
      algorithms roundrobin, leastconn, p2c, hash, random. Health checks: health.{type,inter,timeout,rise,fall,send,
      expect,path}, per pool pools.NAME.health. Defaults: conf/balancer.json. Example: --set frontends.redis.port=6380
      Admin API: admin.{enabled,host,port,token} (127.0.0.1:9090; a token is required off loopback, or FERRY_ADMIN_TOKEN);
      the dashboard is http://127.0.0.1:9090/
      Hot reload: with --config FILE, frontends follow the file (checked every reload.scanPeriodMs, 2000; 0 = off)
      and POST /api/reload; other sections need a restart
      """ + NODE_CLUSTER_HELP;
  static final String SERVER_HELP = """

      Server: services.NAME.{type,pool,host,port,weight,maxconn} (type echo|whoami), {type:external,pool,target,
      weight,maxconn}, or {type:java,pool,class,weight}; maxconn: most tcp connections from all balancers (0 = none).
      Defaults: conf/server.json. Example: --set services.redis={"type":"external","pool":"redis","target":"127.0.0.1:6379"}
      Admin API: off unless admin.port is set; admin.{enabled,host,port,token} as on a balancer
      """ + NODE_CLUSTER_HELP;

  static final String CTL_HELP = """

      Ctl (--role ctl): calls a node's admin API; joins no cluster and reads no config file.
        status             frontends, pools with their servers and state, then the cluster's nodes
        drain NODE         no new connections to NODE's services on any balancer (established ones go on)
        enable NODE        undoes a drain: NODE's announced state counts again
        weight NODE N      NODE's services get weight N (0..256) on every balancer
        --admin HOST:PORT  the admin API to call (127.0.0.1:9090)
        --json             print the API's JSON reply as it is
      A node with a token wants it in FERRY_ADMIN_TOKEN. Exit codes: 0 ok, 1 the call failed, 2 bad usage.""";

  @Option(names = "--role", paramLabel = "ROLE", description = "balancer, server, client or ctl (default: the config file's \"role\")")
  String role;

  @Option(names = "--config", paramLabel = "FILE", description = "JSON config file (default: the role's defaults, conf/<role>.json)")
  Path config;

  @Option(names = "--set", paramLabel = "PATH=VALUE", description = "override a config key by dotted path; VALUE is JSON if it parses, else a string; repeatable")
  List<String> sets = new ArrayList<>();

  @Option(names = "--target", hidden = true) String target;
  @Option(names = "--connections", hidden = true) Integer connections;
  @Option(names = "--duration", hidden = true) String duration;
  @Option(names = "--requests", hidden = true) Long requests;
  @Option(names = "--size", hidden = true) Integer size;
  @Option(names = "--json", hidden = true) boolean json;
  @Option(names = "--codec", hidden = true) String codec;

  @Option(names = "--admin", hidden = true) String admin;
  @Parameters(hidden = true) List<String> command = new ArrayList<>();

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help (with --role, that role's flags too)")
  boolean help;

  public static void main(String[] args) {
    // Netty samples 1 buffer in 128 for leak tracking; the relay's buffer ownership is simple and tested, so a
    // production node skips that cost. -Dio.netty.leakDetection.level=simple (or paranoid) turns it back on.
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
    System.exit(run(args));
  }

  /** Parses and runs; returns the exit code (a balancer or server returns only once it was stopped). */
  static int run(String[] args) {
    Main main = new Main();
    CommandLine cli = new CommandLine(main);
    PrintWriter err = new PrintWriter(System.err, true);
    try {
      cli.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      err.println("ferry: " + e.getMessage() + " (see --help)");
      return 2;
    }
    if (main.help) {
      if (main.role != null && !Role.ids().contains(main.role)) {
        err.println("ferry: --role: unknown role \"" + main.role + "\" (expected one of " + String.join(", ", Role.ids()) + ")");
        return 2;
      }
      System.out.print(cli.getUsageMessage());
      System.out.println(roleHelp(main.role));
      return 0;
    }
    if (Role.CTL.id().equals(main.role)) {
      return main.ctl(err);
    }
    if (!main.command.isEmpty()) {
      err.println("ferry: unexpected argument \"" + main.command.get(0) + "\" (only --role ctl takes a command; see --help)");
      return 2;
    }
    if (main.admin != null) {
      err.println("ferry: --admin applies to --role ctl only; a node's own admin server is admin.host and admin.port");
      return 2;
    }
    FerryConfig cfg;
    ConfigSource source;
    ConfigLoader.Loaded loaded;
    try {
      // Kept by a balancer: a hot reload builds the config again from the same file and --sets, in order.
      source = new ConfigSource(main.role, main.config, main.allSets());
      loaded = source.load();
      cfg = loaded.config();
    } catch (ConfigException e) {
      err.println("ferry: " + e.getMessage());
      return 2;
    }
    if (cfg.role() == Role.CLIENT) {
      return Client.run(cfg.client(), System.out, System.err, System.in);
    }
    NodeNameConverter.set(cfg.node().name());
    return cfg.role() == Role.BALANCER
        ? serve(() -> Balancer.start(loaded, source).map(b -> b::close), cfg.node().drainTimeoutMs())
        : serve(() -> Server.start(cfg).compose(s -> ServerAdmin.attach(s, cfg)).map(s -> s::close),
            cfg.node().drainTimeoutMs());
  }

  /** {@code --role ctl}: only {@code --admin} and {@code --json} apply; there is no config to --set. */
  private int ctl(PrintWriter err) {
    boolean printJson = json;
    json = false; // --json is a ctl flag too; any other client flag is refused by allSets()
    try {
      if (config != null || !allSets().isEmpty()) {
        throw new ConfigException((config != null ? "--config" : "--set") + " does not apply to --role ctl (it has no config)");
      }
    } catch (ConfigException e) {
      err.println("ferry: " + e.getMessage());
      return 2;
    }
    return Ctl.run(command, admin, System.getenv(AdminConfig.TOKEN_ENV), printJson, System.out, System.err);
  }

  /** Client flags become --set overrides after the user's own, and are refused for other roles. */
  private List<String> allSets() {
    List<String> all = new ArrayList<>(sets);
    List<String> flags = new ArrayList<>();
    if (target != null) flags.add("target=" + target);
    if (connections != null) flags.add("connections=" + connections);
    if (duration != null) flags.add("duration=" + duration);
    if (requests != null) flags.add("requests=" + requests);
    if (size != null) flags.add("size=" + size);
    if (json) flags.add("json=true");
    if (codec != null) flags.add("codec=" + codec);
    if (!flags.isEmpty() && role != null && !role.equals(Role.CLIENT.id())) {
      String flag = flags.get(0).substring(0, flags.get(0).indexOf('='));
      throw new ConfigException("--" + flag + " is a client flag; it does not apply to --role " + role);
    }
    all.addAll(flags);
    return all;
  }

  private static String roleHelp(String role) {
    if (role == null) {
      return "";
    }
    return switch (role) {
      case "client" -> CLIENT_HELP;
      case "balancer" -> BALANCER_HELP;
      case "server" -> SERVER_HELP;
      case "ctl" -> CTL_HELP;
      default -> "";
    };
  }

  private interface Stoppable {
    Future<Void> stop();
  }

  /** Starts a cluster node, then waits for SIGTERM/SIGINT and leaves the cluster gracefully. */
  private static int serve(Supplier<Future<Stoppable>> starter, long drainTimeoutMs) {
    Logger log = LoggerFactory.getLogger(Main.class);
    Stoppable node;
    try {
      node = starter.get().toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.error("cannot start: {}", cause.getMessage());
      log.debug("start failure", cause);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping: leaving the cluster");
      try {
        node.stop().toCompletionStage().toCompletableFuture().get(drainTimeoutMs + 15_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("stop did not complete cleanly: {}", e.toString());
      }
      stopped.countDown();
    }, "ferry-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
