package ferry.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A separate process, its output in a log file; stopped by PID (SIGTERM or SIGKILL). Mostly the built jar as a JVM
 * ({@link #start}); {@link Netns} runs its commands inside network namespaces as these too.
 */
final class NodeProcess implements FaultKit.Run, AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("ferry.jar", "target/ferry.jar"));
  static final Path LOGS = Path.of("target", "it-logs");

  final String name;
  final Path log;
  private final Process process;

  NodeProcess(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  static NodeProcess start(String name, List<String> args) {
    try {
      Files.createDirectories(LOGS);
      Path log = LOGS.resolve(name + ".log");
      Process p = new ProcessBuilder(jarCommand(args)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new NodeProcess(name, log, p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The command line that runs the built jar with {@code args}: this JVM's java, a 256 MB heap. */
  static List<String> jarCommand(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx256m", "-jar", JAR.toAbsolutePath().toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** This JVM's java executable. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Stops all of {@code procs} at once (SIGTERM, SIGKILL after 15 s each) and waits for them, 30 s at most each. */
  static void closeAll(List<NodeProcess> procs) {
    List<Thread> ts = new ArrayList<>();
    for (NodeProcess p : procs) {
      Thread t = new Thread(p::close);
      t.start();
      ts.add(t);
    }
    for (Thread t : ts) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  long pid() {
    return process.pid();
  }

  @Override
  public String output() {
    try {
      // Latin-1: every byte is a char, so stray non-UTF-8 output cannot make reading the log fail
      return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the log has a match for {@code regex}; returns the first group (or the whole match). */
  String awaitLog(String regex, Duration limit) {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = p.matcher(output());
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : m.group();
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + " before logging /" + regex + "/:\n" + output());
      }
      pause();
    }
    throw new AssertionError(name + " did not log /" + regex + "/ within " + limit + ":\n" + output());
  }

  @Override
  public int awaitExit(Duration limit) {
    try {
      if (!process.waitFor(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " still running after " + limit);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void kill() {
    process.destroyForcibly(); // SIGKILL: no goodbye to the cluster
    awaitExit(Duration.ofSeconds(10));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: leaves the cluster gracefully
      try {
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
