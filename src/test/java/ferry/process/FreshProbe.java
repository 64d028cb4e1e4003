package ferry.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stream of fresh short connections, as new clients make them: connect, send 32 random bytes and check that
 * exactly they come back (echo), or ask whoami which server answered; close; again. Each attempt is recorded with
 * its start and end time, so failures can be placed before, during or after a fault.
 *
 * <p>Also a {@code main}, so a probe can run inside a network namespace (plain JDK, no dependencies):
 * {@code java -cp target/test-classes ferry.process.FreshProbe HOST PORT echo|whoami WORKERS TIMEOUT_MS STOPFILE OUTFILE}
 * runs until STOPFILE exists and writes one line per attempt to OUTFILE.
 */
final class FreshProbe {
  enum Kind { ECHO, WHOAMI }

  /** One fresh connection: start/end (epoch ms), whether it worked, the whoami server, the error. */
  record Attempt(long t0, long t1, boolean ok, String server, String error, int mismatched) {
    String line() {
      return t0 + "\t" + t1 + "\t" + ok + "\t" + (server == null ? "-" : server) + "\t" + (error == null ? "-" : error)
          + "\t" + mismatched;
    }

    static Attempt parse(String line) {
      String[] f = line.split("\t", -1);
      return new Attempt(Long.parseLong(f[0]), Long.parseLong(f[1]), Boolean.parseBoolean(f[2]),
          f[3].equals("-") ? null : f[3], f[4].equals("-") ? null : f[4], Integer.parseInt(f[5]));
    }
  }

  private static final Pattern SERVER = Pattern.compile("\"server\"\\s*:\\s*\"([^\"]+)\"");

  private final InetSocketAddress target;
  private final Kind kind;
  private final int timeoutMs;
  private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;

  private FreshProbe(InetSocketAddress target, Kind kind, int timeoutMs) {
    this.target = target;
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }

  /** WORKERS threads, each making one connection after another (10 ms apart). */
  static FreshProbe start(String host, int port, Kind kind, int workers, int timeoutMs) {
    FreshProbe p = new FreshProbe(new InetSocketAddress(host, port), kind, timeoutMs);
    for (int i = 0; i < workers; i++) {
      Thread t = new Thread(p::loop, "fresh-probe-" + kind + "-" + i);
      t.setDaemon(true);
      p.threads.add(t);
      t.start();
    }
    return p;
  }

  private void loop() {
    while (!stopped) {
      Attempt a = once(target, kind, timeoutMs);
      synchronized (attempts) {
        attempts.add(a);
        attempts.notifyAll(); // wakes awaitAttempts
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops the workers (each finishes its attempt, bounded by the timeout) and returns every attempt. */
  List<Attempt> stop() {
    stopped = true;
    for (Thread t : threads) {
      try {
        t.join(2L * timeoutMs + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return snapshot();
  }

  /** Waits until {@code count} recorded attempts match {@code what}; woken by each new attempt. */
  boolean awaitAttempts(int count, Predicate<Attempt> what, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    int seen = 0;
    int matched = 0;
    synchronized (attempts) {
      while (true) {
        for (; seen < attempts.size(); seen++) {
          if (what.test(attempts.get(seen))) {
            matched++;
          }
        }
        long left = deadline - System.nanoTime();
        if (matched >= count || left <= 0) {
          return matched >= count;
        }
        TimeUnit.NANOSECONDS.timedWait(attempts, left);
      }
    }
  }

  List<Attempt> snapshot() {
    synchronized (attempts) {
      return List.copyOf(attempts);
    }
  }

  static Attempt once(InetSocketAddress target, Kind kind, int timeoutMs) {
    long t0 = System.currentTimeMillis();
    try (Socket s = new Socket()) {
      try {
        s.connect(target, timeoutMs);
      } catch (IOException e) {
        return new Attempt(t0, System.currentTimeMillis(), false, null, "connect: " + e.getMessage(), 0);
      }
      s.setSoTimeout(timeoutMs);
      s.setTcpNoDelay(true);
      if (kind == Kind.ECHO) {
        byte[] payload = new byte[32];
        ThreadLocalRandom.current().nextBytes(payload);
        s.getOutputStream().write(payload);
        byte[] got = readUpTo(s.getInputStream(), payload.length);
        if (got.length < payload.length) {
          return new Attempt(t0, System.currentTimeMillis(), false, null, "closed after " + got.length + " bytes", 0);
        }
        int bad = 0;
        for (int i = 0; i < payload.length; i++) {
          if (got[i] != payload[i]) {
            bad++;
          }
        }
        return new Attempt(t0, System.currentTimeMillis(), bad == 0, null, bad == 0 ? null : "mismatch", bad);
      }
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: faults\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Matcher m = SERVER.matcher(reply);
      if (!reply.startsWith("HTTP/1.1 200") || !m.find()) {
        return new Attempt(t0, System.currentTimeMillis(), false, null, "bad reply (" + reply.length() + " chars)", 0);
      }
      return new Attempt(t0, System.currentTimeMillis(), true, m.group(1), null, 0);
    } catch (SocketTimeoutException e) {
      return new Attempt(t0, System.currentTimeMillis(), false, null, "timeout (no reply)", 0);
    } catch (IOException e) {
      return new Attempt(t0, System.currentTimeMillis(), false, null, e.getClass().getSimpleName() + ": " + e.getMessage(), 0);
    }
  }

  private static byte[] readUpTo(InputStream in, int n) throws IOException {
    byte[] buf = new byte[n];
    int got = 0;
    while (got < n) {
      int r = in.read(buf, got, n - got);
      if (r < 0) {
        break;
      }
      got += r;
    }
    return got == n ? buf : java.util.Arrays.copyOf(buf, got);
  }

  static List<Attempt> read(Path file) {
    try {
      if (!Files.exists(file)) {
        return List.of();
      }
      List<Attempt> out = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          try {
            out.add(Attempt.parse(line));
          } catch (RuntimeException e) {
            // a line cut short by a kill: not an attempt
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For a probe inside a network namespace: runs until the stop file exists, one line per attempt. */
  public static void main(String[] args) throws Exception {
    InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
    Kind kind = Kind.valueOf(args[2].toUpperCase());
    int workers = Integer.parseInt(args[3]);
    int timeoutMs = Integer.parseInt(args[4]);
    Path stop = Path.of(args[5]);
    Path out = Path.of(args[6]);
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      Thread t = new Thread(() -> {
        while (!Files.exists(stop)) {
          String line = once(target, kind, timeoutMs).line() + "\n";
          synchronized (FreshProbe.class) {
            try {
              Files.writeString(out, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      ts.add(t);
      t.start();
    }
    for (Thread t : ts) {
      t.join();
    }
  }
}
