package ferry.config;

import ferry.client.ClientOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A validated configuration for one node. Only the part that belongs to {@link #role()} is set:
 * frontends for a balancer, services for a server, client options for a client. {@code admin} is set for a
 * balancer and a server (possibly disabled), null for a client.
 */
public record FerryConfig(Role role, NodeConfig node, ClusterConfig cluster,
                          Map<String, FrontendConfig> frontends, Map<String, ServiceConfig> services,
                          ClientOptions client, AdminConfig admin, PoolsConfig pools) {

  /** @param env environment lookup ({@code System::getenv}; tests pass their own) for {@code FERRY_ADMIN_TOKEN} */
  static FerryConfig read(Role role, Section root, Function<String, String> env) {
    root.string("role", null); // already resolved by the loader
    return switch (role) {
      case BALANCER -> {
        NodeConfig node = NodeConfig.read(role, root.object("node"));
        ClusterConfig cluster = ClusterConfig.read(root.object("cluster"));
        Map<String, FrontendConfig> frontends = new LinkedHashMap<>();
        root.map("frontends").forEach((name, s) -> frontends.put(name, FrontendConfig.read(name, s)));
        checkDistinctAddresses(frontends);
        AdminConfig admin = AdminConfig.read(role, root.object("admin"), env);
        PoolsConfig pools = PoolsConfig.read(root);
        root.done();
        yield new FerryConfig(role, node, cluster, frontends, Map.of(), null, admin, pools);
      }
      case SERVER -> {
        NodeConfig node = NodeConfig.read(role, root.object("node"));
        ClusterConfig cluster = ClusterConfig.read(root.object("cluster"));
        Map<String, ServiceConfig> services = new LinkedHashMap<>();
        root.map("services").forEach((name, s) -> services.put(name, ServiceConfig.read(name, s)));
        AdminConfig admin = AdminConfig.read(role, root.object("admin"), env);
        root.done();
        yield new FerryConfig(role, node, cluster, Map.of(), services, null, admin, PoolsConfig.DEFAULT);
      }
      case CLIENT -> {
        ClientOptions client = readClient(root);
        root.done();
        yield new FerryConfig(role, null, null, Map.of(), Map.of(), client, null, PoolsConfig.DEFAULT);
      }
      // ctl talks to a node's admin API and reads no file; Main builds its options from --admin.
      case CTL -> throw new ConfigException("--role ctl has no configuration file and no --set; give --admin HOST:PORT");
    };
  }

  private static void checkDistinctAddresses(Map<String, FrontendConfig> frontends) {
    Map<HostPort, String> seen = new LinkedHashMap<>();
    for (FrontendConfig f : frontends.values()) {
      String other = seen.putIfAbsent(f.address(), f.name());
      if (other != null) {
        throw new ConfigException("frontends." + f.name() + ".port: " + f.address() + " is already used by frontend " + other);
      }
    }
  }

  private static ClientOptions readClient(Section s) {
    List<ClientOptions.Target> targets = new ArrayList<>();
    for (String t : s.strings("target", List.of("127.0.0.1:9000"))) {
      HostPort hp = HostPort.parse(s.path("target"), t);
      targets.add(new ClientOptions.Target(hp.host(), hp.port()));
    }
    if (targets.isEmpty()) {
      throw new ConfigException(s.path("target") + ": at least one host:port is needed");
    }
    int connections = s.integer("connections", 0, 0, 100_000);
    long requests = s.integer("requests", 0L, 0, Long.MAX_VALUE);
    Duration duration = s.has("duration") ? Durations.parse(s.path("duration"), s.string("duration", null)) : null;
    if (requests > 0 && duration != null) {
      throw new ConfigException(s.path("requests") + ": give either requests or duration, not both");
    }
    if (connections > 0 && requests == 0 && duration == null) {
      duration = Duration.ofSeconds(10);
    }
    if (connections == 0 && (requests > 0 || duration != null)) {
      throw new ConfigException(s.path("connections") + ": load mode (requests/duration) needs connections > 0");
    }
    int size = s.integer("size", 64, 1, 64 * 1024 * 1024);
    boolean json = s.bool("json", false);
    int connectTimeoutMs = s.integer("connectTimeoutMs", 2000, 1, 600_000);
    // Absent (or JSON null) means raw bytes; "lines" / "length" frame requests for a message-mode frontend.
    ClientOptions.Codec codec = s.has("codec")
        ? ClientOptions.Codec.of(s.oneOf("codec", null, ClientOptions.Codec.ids(), "codec"))
        : null;
    return new ClientOptions(List.copyOf(targets), connections, duration, requests, size, json, connectTimeoutMs,
        codec);
  }
}
