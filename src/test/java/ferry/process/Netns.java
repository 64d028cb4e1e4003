package ferry.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Test hosts as network namespaces, made with the shared {@code hosts.sh} (addresses 127.10.0.0/24, joined by a
 * bridge) under a name prefix of this test's own, so {@link #close()} removes exactly what this test created.
 */
final class Netns implements AutoCloseable {
  final String prefix;
  private final Path script;
  private final List<NodeProcess> procs = new ArrayList<>();

  private Netns(Path script, String prefix) {
    this.script = script;
    this.prefix = prefix;
  }

  /** Why namespaces cannot be used here, or empty when they can. */
  static Optional<String> unavailable() {
    Path script = Path.of(FaultKit.hosts());
    if (!Files.isRegularFile(script)) {
      return Optional.of("no " + script + " (set -Dferry.netns.hosts or FERRY_NETNS_HOSTS)");
    }
    Result r = exec(script, "fu" + UUID.randomUUID().toString().substring(0, 4), List.of("check"));
    return r.code == 0 ? Optional.empty() : Optional.of("hosts.sh check: " + r.output.trim());
  }

  /** Hosts h1..hN. */
  static Netns up(int hosts) {
    Netns n = new Netns(Path.of(FaultKit.hosts()), "fi" + UUID.randomUUID().toString().substring(0, 5));
    Result r = exec(n.script, n.prefix, List.of("up", Integer.toString(hosts)));
    if (r.code != 0) {
      n.close();
      throw new AssertionError("hosts.sh up " + hosts + " failed: " + r.output);
    }
    return n;
  }

  String addr(String host) {
    return exec(script, prefix, List.of("addr", host)).output.trim();
  }

  void cut(String host) {
    check(exec(script, prefix, List.of("cut", host)), "cut " + host);
  }

  void heal(String host) {
    check(exec(script, prefix, List.of("heal", host)), "heal " + host);
  }

  /** A command inside {@code host}; its output in target/it-logs/NAME.log. */
  NodeProcess start(String host, String name, List<String> command) {
    try {
      Files.createDirectories(NodeProcess.LOGS);
      Path log = NodeProcess.LOGS.resolve(name + ".log");
      List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), "run", host));
      cmd.addAll(command);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("FERRY_NETNS_PREFIX", prefix);
      NodeProcess p = new NodeProcess(name, log, pb.start()); // hosts.sh execs it: its PID is the command's own
      procs.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The built jar inside {@code host}, as NodeProcess runs it. */
  NodeProcess jar(String host, String name, List<String> args) {
    return start(host, name, NodeProcess.jarCommand(args));
  }

  @Override
  public void close() {
    NodeProcess.closeAll(procs);
    exec(script, prefix, List.of("down"));
  }

  private static void check(Result r, String what) {
    if (r.code != 0) {
      throw new AssertionError("hosts.sh " + what + " failed: " + r.output);
    }
  }

  private record Result(int code, String output) {
  }

  private static Result exec(Path script, String prefix, List<String> args) {
    try {
      List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putAll(Map.of("FERRY_NETNS_PREFIX", prefix));
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, e.toString());
    }
  }
}
