package ferry.process;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Nodes of the built jar in one Hazelcast cluster of a process test's own: a unique cluster name and a band of 10
 * ports that no other test class uses at the same time. {@link #close()} stops every process it started, by PID.
 */
final class JarCluster implements AutoCloseable {
  private final String name = "ferry-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final int port;
  private final List<String> common;
  private final List<NodeProcess> started = new ArrayList<>();

  /** {@code common}: settings every node of this cluster gets before its own (e.g. {@code admin.enabled=false}). */
  JarCluster(int port, String... common) {
    this.port = port;
    this.common = List.of(common);
  }

  /** A node {@code name} (its node.name and log name) in {@code role}, with {@code sets} as --set after the common. */
  NodeProcess start(String name, String role, String... sets) {
    List<String> args = new ArrayList<>(List.of("--role", role, "--set", "node.name=" + name,
        "--set", "cluster.name=" + this.name, "--set", "cluster.port=" + port,
        "--set", "cluster.members=[\"127.0.0.1:" + port + "-" + (port + 9) + "\"]"));
    for (String s : common) {
      args.add("--set");
      args.add(s);
    }
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return run(name, args);
  }

  /** A process of the jar with exactly {@code args} (a client, which joins no cluster), stopped on close too. */
  NodeProcess run(String name, List<String> args) {
    NodeProcess p = NodeProcess.start(name, args);
    started.add(p);
    return p;
  }

  @Override
  public void close() {
    NodeProcess.closeAll(started);
  }
}
