package ferry.client;

import ferry.client.ClientOptions.Target;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Coordinates a load run: spreads connections over event loops, enforces the duration or request
 * budget, prints progress and merges the latency histograms. Its own state lives on one
 * coordinator context; connections talk to it through thread-safe counters or by hopping there.
 */
final class LoadRun {

  /** Time outstanding requests get after the duration ends before they count as broken. */
  static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** In request mode, the run gives up when no request completes for this long. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** Shared, contention-friendly counters; written from every lane. */
  static final class Stats {
    final LongAdder requests = new LongAdder();
    final LongAdder failedConnects = new LongAdder();
    final LongAdder brokenSessions = new LongAdder();
    final LongAdder mismatchedBytes = new LongAdder();
    /** Requests that got no correct reply: a reply with a wrong byte, or lost to a broken session. */
    final LongAdder failedRequests = new LongAdder();
  }

  /** One event loop's worth of connections, sharing a single-writer latency recorder. */
  static final class Lane {
    final Context context;
    final SingleWriterRecorder recorder = new SingleWriterRecorder(3);
    /** Coordinator-owned scratch histogram for draining the recorder. */
    final Histogram scratch = new Histogram(3);

    Lane(Context context) {
      this.context = context;
    }
  }

  private final Vertx vertx;
  private final ClientOptions opts;
  private final NetClient client;
  private final PrintStream progress;
  private final PrintStream err;
  private final Stats stats = new Stats();
  private final AtomicLong budget;
  private final List<Lane> lanes;
  private final List<LoadConnection> connections = new ArrayList<>();
  private final Promise<LoadReport> result = Promise.promise();

  private volatile boolean stopped;
  private volatile long deadlineNanos;
  private long startNanos;

  // Coordinator-context state.
  private final Context coordinator;
  private final Histogram total = new Histogram(3);
  private final Histogram interval = new Histogram(3);
  private int remaining;
  private long tickerId = -1;
  private long hardStopTimerId = -1;
  private long lastTickRequests;
  private long lastTickNanos;
  private long lastProgressNanos;

  LoadRun(Vertx vertx, ClientOptions opts, NetClient client, PrintStream progress, PrintStream err,
          int eventLoops) {
    this.vertx = vertx;
    this.opts = opts;
    this.client = client;
    this.progress = progress;
    this.err = err;
    this.budget = opts.duration() == null ? new AtomicLong(opts.requests()) : null;
    VertxInternal vi = (VertxInternal) vertx;
    this.coordinator = vi.createEventLoopContext();
    // Connecting from the main thread would pin every socket to one sticky event loop; fresh
    // contexts are handed out round-robin, so one per event loop spreads the load.
    int laneCount = Math.max(1, Math.min(opts.connections(), eventLoops));
    lanes = new ArrayList<>(laneCount);
    for (int i = 0; i < laneCount; i++) {
      lanes.add(new Lane(vi.createEventLoopContext()));
    }
    SplittableRandom seeds = new SplittableRandom();
    for (int i = 0; i < opts.connections(); i++) {
      connections.add(new LoadConnection(this, lanes.get(i % laneCount), vertx, i, opts.size(), opts.codec(),
          seeds.nextLong()));
    }
  }

  /** Starts every connection; the future completes once all of them finished. */
  Future<LoadReport> start() {
    coordinator.runOnContext(v -> {
      startNanos = System.nanoTime();
      lastTickNanos = startNanos;
      lastProgressNanos = startNanos;
      if (opts.duration() != null) {
        deadlineNanos = startNanos + opts.duration().toNanos();
        long hardStopMs = TimeUnit.NANOSECONDS.toMillis(opts.duration().toNanos() + GRACE_NANOS);
        hardStopTimerId = vertx.setTimer(Math.max(1, hardStopMs), t -> hardStop(null));
      }
      remaining = connections.size();
      tickerId = vertx.setPeriodic(1000, t -> tick());
      for (LoadConnection c : connections) {
        c.lane().context.runOnContext(x -> c.start());
      }
    });
    return result.future();
  }

  Stats stats() {
    return stats;
  }

  NetClient netClient() {
    return client;
  }

  List<Target> targets() {
    return opts.targets();
  }

  /** Whether connections should keep (re)connecting. */
  boolean running() {
    if (stopped) {
      return false;
    }
    return budget == null ? System.nanoTime() - deadlineNanos < 0 : budget.get() > 0;
  }

  /** Claims the right to send one more request. */
  boolean tryAcquireRequest() {
    if (stopped) {
      return false;
    }
    if (budget == null) {
      return System.nanoTime() - deadlineNanos < 0;
    }
    long b;
    do {
      b = budget.get();
      if (b <= 0) {
        return false;
      }
    } while (!budget.compareAndSet(b, b - 1));
    return true;
  }

  /** Returns a claimed request whose session broke, so the total still reaches the budget. */
  void releaseRequest() {
    if (budget != null && !stopped) {
      budget.incrementAndGet();
    }
  }

  /** Called once per connection, from its lane. */
  void connectionDone() {
    coordinator.runOnContext(v -> {
      if (--remaining == 0) {
        finish();
      }
    });
  }

  private void tick() {
    long now = System.nanoTime();
    drainInto(interval);
    long requests = stats.requests.sum();
    double secs = (now - lastTickNanos) / 1e9;
    long rps = secs > 0 ? Math.round((requests - lastTickRequests) / secs) : 0;
    progress.println("t=" + TimeUnit.NANOSECONDS.toSeconds(now - startNanos) + "s"
        + " requests=" + requests
        + " rps=" + rps
        + " p99=" + interval.getValueAtPercentile(99.0) + "us"
        + " failedConnects=" + stats.failedConnects.sum()
        + " brokenSessions=" + stats.brokenSessions.sum()
        + " mismatchedBytes=" + stats.mismatchedBytes.sum()
        + " failedRequests=" + stats.failedRequests.sum());
    if (requests != lastTickRequests) {
      lastProgressNanos = now;
    }
    lastTickRequests = requests;
    lastTickNanos = now;
    if (budget != null && now - lastProgressNanos >= STALL_NANOS) {
      hardStop("no request completed for " + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s, giving up");
    }
  }

  /** Moves recorded latencies into {@code target} (reset first) and into the run total. */
  private void drainInto(Histogram target) {
    target.reset();
    for (Lane lane : lanes) {
      lane.recorder.getIntervalHistogramInto(lane.scratch);
      target.add(lane.scratch);
      total.add(lane.scratch);
    }
  }

  private void hardStop(String why) {
    if (stopped) {
      return;
    }
    stopped = true;
    if (why != null) {
      err.println("ferry client: " + why);
    }
    for (LoadConnection c : connections) {
      c.lane().context.runOnContext(v -> c.abort());
    }
  }

  private void finish() {
    long elapsed = System.nanoTime() - startNanos;
    stopped = true;
    vertx.cancelTimer(tickerId);
    if (hardStopTimerId >= 0) {
      vertx.cancelTimer(hardStopTimerId);
    }
    drainInto(interval);
    result.complete(new LoadReport(stats.requests.sum(), elapsed, stats.failedConnects.sum(),
        stats.brokenSessions.sum(), stats.mismatchedBytes.sum(), stats.failedRequests.sum(), total));
  }
}
