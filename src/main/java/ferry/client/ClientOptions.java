package ferry.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Settings for one {@link Client} run.
 *
 * @param targets          servers to connect to, tried in order on a failed connect
 * @param connections      0 for interactive mode, otherwise the number of concurrent load connections
 * @param duration         load mode: how long to run; null when {@code requests} bounds the run
 * @param requests         load mode: total requests across all connections; 0 when {@code duration} bounds the run
 * @param size             payload bytes per request
 * @param json             print the final load report as one JSON line
 * @param connectTimeoutMs TCP connect timeout per attempt
 * @param codec            how requests and replies are framed (message mode); null for raw bytes
 */
public record ClientOptions(List<Target> targets, int connections, Duration duration, long requests,
                            int size, boolean json, int connectTimeoutMs, Codec codec) {

  /**
   * The framing of a message-mode frontend. {@code lines}: a frame is bytes ending with {@code \n};
   * {@code length}: a 4-byte big-endian length, then that many payload bytes.
   */
  public enum Codec {
    LINES("lines"),
    LENGTH("length");

    private final String id;

    Codec(String id) {
      this.id = id;
    }

    /** The config and flag spelling. */
    public String id() {
      return id;
    }

    public static List<String> ids() {
      return Arrays.stream(values()).map(Codec::id).toList();
    }

    /** The codec spelled {@code id}; an unknown one is an {@link IllegalArgumentException}. */
    public static Codec of(String id) {
      for (Codec c : values()) {
        if (c.id.equals(id)) {
          return c;
        }
      }
      throw new IllegalArgumentException("unknown codec \"" + id + "\" (expected one of " + String.join(", ", ids()) + ")");
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /** One server address; {@code toString()} gives {@code host:port}. */
  public record Target(String host, int port) {
    public Target {
      Objects.requireNonNull(host, "host");
      if (host.isEmpty()) {
        throw new IllegalArgumentException("target host must not be empty");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("target port must be in 1..65535, got " + port);
      }
    }

    @Override
    public String toString() {
      // IPv6 literals need brackets or "::1:80" would be ambiguous.
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  public ClientOptions {
    Objects.requireNonNull(targets, "targets");
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("at least one target is required");
    }
    targets = List.copyOf(targets);
    if (connections < 0) {
      throw new IllegalArgumentException("connections must be >= 0, got " + connections);
    }
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1 byte, got " + size);
    }
    if (connectTimeoutMs < 1) {
      throw new IllegalArgumentException("connectTimeoutMs must be >= 1, got " + connectTimeoutMs);
    }
    if (requests < 0) {
      throw new IllegalArgumentException("requests must be >= 0, got " + requests);
    }
    if (duration != null && (duration.isNegative() || duration.isZero())) {
      throw new IllegalArgumentException("duration must be positive, got " + duration);
    }
    if (connections > 0) {
      boolean byDuration = duration != null;
      boolean byRequests = requests > 0;
      if (byDuration == byRequests) {
        throw new IllegalArgumentException(
            "load mode needs exactly one of duration or requests, got duration=" + duration + " requests=" + requests);
      }
    }
  }

  /** Raw bytes, no framing: the options as before message mode existed. */
  public ClientOptions(List<Target> targets, int connections, Duration duration, long requests,
                       int size, boolean json, int connectTimeoutMs) {
    this(targets, connections, duration, requests, size, json, connectTimeoutMs, null);
  }

  /** The same options with another codec (null for raw bytes). */
  public ClientOptions withCodec(Codec newCodec) {
    return new ClientOptions(targets, connections, duration, requests, size, json, connectTimeoutMs, newCodec);
  }

  public boolean interactive() {
    return connections == 0;
  }
}
