package ferry.config;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * This process as a cluster member: its readable name, how many event loops it runs, and how long a SIGTERM
 * waits for open sessions to end before the node leaves anyway.
 */
public record NodeConfig(String name, int eventLoops, long drainTimeoutMs) {

  private static final AtomicInteger IN_THIS_JVM = new AtomicInteger();

  /** A node name: letters, digits, '.', '_' or '-' (it appears in URLs, logs and metric labels). */
  public static boolean isName(String s) {
    return s.matches("[A-Za-z0-9._-]+");
  }

  static NodeConfig read(Role role, Section s) {
    NodeConfig n = new NodeConfig(
        s.string("name", defaultName(role)),
        s.integer("eventLoops", Runtime.getRuntime().availableProcessors(), 1, 1024),
        s.has("drainTimeout") ? Durations.parse(s.path("drainTimeout"), s.string("drainTimeout", null)).toMillis()
            : 30_000);
    if (!isName(n.name)) {
      throw new ConfigException(s.path("name") + ": \"" + n.name + "\" must be letters, digits, '.', '_' or '-'");
    }
    s.done();
    return n;
  }

  /** {@code server-4711}: unique on a host, readable in logs; a second node in one JVM (tests) gets a suffix. */
  static String defaultName(Role role) {
    int n = IN_THIS_JVM.getAndIncrement();
    return role.id() + "-" + ProcessHandle.current().pid() + (n == 0 ? "" : "-" + n);
  }
}
