package ferry.balancer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * One line per finished session on the logger {@code ferry.access} (its own appender in conf/logback.xml, so it
 * can go to a file), after HAProxy's {@code option tcplog}: when it started, frontend, client, server, connect and
 * total time, bytes each way, and why it ended.
 */
final class AccessLog {
  private static final Logger log = LoggerFactory.getLogger("ferry.access");

  private AccessLog() {
  }

  /**
   * @param end {@code client-closed}, {@code server-closed}, {@code connect-failed}, {@code no-server},
   *            {@code timeout}, {@code drained} or {@code rejected}
   */
  static void session(String frontend, Object client, PoolMember server, long startMillis, long connectMs,
                      long durationMs, long bytesIn, long bytesOut, String end) {
    if (log.isInfoEnabled()) { // nothing formatted when the access log is off
      log.info("{} frontend={} client={} server={} connect_ms={} duration_ms={} bytes_in={} bytes_out={} end={}",
          Instant.ofEpochMilli(startMillis), frontend, client, server == null ? "-" : server, connectMs, durationMs,
          bytesIn, bytesOut, end);
    }
  }
}
