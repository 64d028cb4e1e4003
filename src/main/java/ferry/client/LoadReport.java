package ferry.client;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.Locale;

/** Final numbers of a load run, rendered for humans or as one JSON object. */
record LoadReport(long requests, long elapsedNanos, long failedConnects, long brokenSessions,
                  long mismatchedBytes, long failedRequests, long p50, long p90, long p99, long p999, long max) {

  LoadReport(long requests, long elapsedNanos, long failedConnects, long brokenSessions,
             long mismatchedBytes, long failedRequests, Histogram latencyUs) {
    this(requests, elapsedNanos, failedConnects, brokenSessions, mismatchedBytes, failedRequests,
        latencyUs.getValueAtPercentile(50.0),
        latencyUs.getValueAtPercentile(90.0),
        latencyUs.getValueAtPercentile(99.0),
        latencyUs.getValueAtPercentile(99.9),
        latencyUs.getMaxValue());
  }

  boolean failed() {
    return failedConnects > 0 || brokenSessions > 0 || mismatchedBytes > 0 || failedRequests > 0;
  }

  double elapsedSeconds() {
    return elapsedNanos / 1e9;
  }

  double throughputPerSec() {
    double secs = elapsedSeconds();
    return secs > 0 ? requests / secs : 0.0;
  }

  String human() {
    return String.format(Locale.ROOT,
        "requests:        %d%n"
            + "duration:        %.3f s%n"
            + "throughput:      %.1f req/s%n"
            + "failedConnects:  %d%n"
            + "brokenSessions:  %d%n"
            + "mismatchedBytes: %d%n"
            + "failedRequests:  %d%n"
            + "latency (us):    p50=%d p90=%d p99=%d p99.9=%d max=%d",
        requests, elapsedSeconds(), throughputPerSec(), failedConnects, brokenSessions,
        mismatchedBytes, failedRequests, p50, p90, p99, p999, max);
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("requests", requests)
        .put("throughputPerSec", throughputPerSec())
        .put("failedConnects", failedConnects)
        .put("brokenSessions", brokenSessions)
        .put("mismatchedBytes", mismatchedBytes)
        .put("failedRequests", failedRequests)
        .put("latencyUs", new JsonObject()
            .put("p50", p50)
            .put("p90", p90)
            .put("p99", p99)
            .put("p999", p999)
            .put("max", max));
  }
}
