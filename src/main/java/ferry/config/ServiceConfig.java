package ferry.config;

import java.util.List;

/**
 * One service a server node offers and announces: a built-in ({@code echo}, {@code whoami}) listening on
 * {@code host:port} that also answers message-mode requests; an {@code external} TCP program at {@code target}
 * that balancers connect to directly (tcp mode only); or a {@code java} class implementing
 * {@code ferry.server.MessageService} (message mode only).
 */
public record ServiceConfig(String name, String type, String pool, String host, int port, int weight, HostPort target,
                            String className, int maxconn) {

  public static final List<String> TYPES = List.of("echo", "whoami", "external", "java");
  public static final int MAX_WEIGHT = 256;
  static final String SERVICE_INTERFACE = "ferry.server.MessageService";

  public static final int MAX_MAXCONN = 1_000_000;

  public ServiceConfig(String name, String type, String pool, String host, int port, int weight, HostPort target) {
    this(name, type, pool, host, port, weight, target, null, 0);
  }

  static ServiceConfig read(String name, Section s) {
    String type = s.oneOf("type", TYPES.contains(name) ? name : null, TYPES, "service type");
    String pool = s.string("pool", name);
    int weight = s.integer("weight", 1, 0, MAX_WEIGHT);
    int maxconn = s.integer("maxconn", 0, 0, MAX_MAXCONN);
    refuse(s, "target", !type.equals("external"), "only an external service has a target");
    refuse(s, "class", !type.equals("java"), "only a java service has a class");
    refuse(s, "maxconn", type.equals("java"),
        "a java service answers message-mode requests only; maxconn limits tcp connections");
    boolean listens = type.equals("echo") || type.equals("whoami");
    String noListener = type.equals("external")
        ? "an external service has no listener of its own; give its address as \"target\""
        : "a java service answers message-mode requests only; it has no listener";
    refuse(s, "host", !listens, noListener);
    refuse(s, "port", !listens, noListener);
    ServiceConfig c = switch (type) {
      case "external" -> new ServiceConfig(name, type, pool, null, 0, weight,
          HostPort.parse(s.path("target"), s.requiredString("target")), null, maxconn);
      case "java" -> new ServiceConfig(name, type, pool, "127.0.0.1", 0, weight, null,
          checkClass(s.path("class"), s.requiredString("class")), maxconn);
      default -> new ServiceConfig(name, type, pool, s.string("host", "127.0.0.1"), s.port("port", 0, true), weight,
          null, null, maxconn);
    };
    s.done();
    return c;
  }

  /** Whether this service has a TCP address for tcp-mode frontends. */
  public boolean hasTcp() {
    return !type.equals("java");
  }

  private static void refuse(Section s, String key, boolean refused, String why) {
    if (refused && s.has(key)) {
      throw new ConfigException(s.path(key) + ": " + why);
    }
  }

  /** Checked before anything starts, so a typo in a class name is a config error (exit 2), not a failed start. */
  private static String checkClass(String where, String className) {
    Class<?> cls;
    Class<?> service;
    try {
      cls = Class.forName(className, false, ServiceConfig.class.getClassLoader());
      service = Class.forName(SERVICE_INTERFACE, false, ServiceConfig.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigException(where + ": class " + className + " is not on the classpath");
    }
    if (!service.isAssignableFrom(cls)) {
      throw new ConfigException(where + ": " + className + " does not implement " + SERVICE_INTERFACE);
    }
    return className;
  }
}
