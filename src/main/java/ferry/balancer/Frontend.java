package ferry.balancer;

import ferry.balancer.algorithm.Algorithm;
import ferry.balancer.health.HealthChecker;
import ferry.config.FrontendConfig;
import ferry.net.Relay;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One frontend, shared by its listener on every event loop: its config, algorithm and counters, and the tcp
 * data path: accept, choose a server, connect (retrying on another server), then hand both sockets to a
 * {@link Relay}. Message mode's data path is {@link ferry.balancer.message.MessageRouter}.
 */
public final class Frontend {
  private static final Logger log = LoggerFactory.getLogger(Frontend.class);

  private final FrontendConfig config;
  private final Pools pools;
  private final HealthChecker health;
  private final Algorithm algorithm;
  private final AtomicLong active = new AtomicLong();
  private final LongAdder total = new LongAdder();
  private final LongAdder connectFailures = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final LongAdder failedRequests = new LongAdder();
  private final AtomicLong heldFrames = new AtomicLong();

  public Frontend(FrontendConfig config, Pools pools, HealthChecker health) {
    this.config = config;
    this.pools = pools;
    this.health = health;
    this.algorithm = Algorithm.named(config.algorithm());
  }

  public FrontendConfig config() {
    return config;
  }

  public Pools pools() {
    return pools;
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  /** Called by Vert.x on the event loop that owns the accepted socket. */
  void accept(NetSocket socket) {
    Relay relay = Relay.adopt(socket);
    Channel client = relay.client();
    accepted();
    client.closeFuture().addListener(f -> {
      closed();
      bytesIn.add(relay.bytesIn());
      bytesOut.add(relay.bytesOut());
    });
    attempt(relay, new HashSet<>(2));
  }

  private void attempt(Relay relay, Set<PoolMember> tried) {
    if (!relay.isOpen()) {
      return;
    }
    List<PoolMember> servers = pools.usable(config.pool());
    PoolMember server = servers.isEmpty() ? null : algorithm.pick(servers, tried, clientAddress(relay));
    if (server == null) {
      if (tried.isEmpty()) {
        log.warn("frontend {}: no server in pool {}; closing {}", config.name(), config.pool(), relay.client().remoteAddress());
      } else {
        log.warn("frontend {}: every server tried ({}) failed; closing {}", config.name(), tried.size(), relay.client().remoteAddress());
      }
      relay.close();
      return;
    }
    tried.add(server);
    server.acquire(); // counted from the connect on, so leastconn sees connections still being opened
    ChannelFuture connect = relay.open(server.socketAddress(), config.connectTimeoutMs());
    connect.addListener(f -> {
      if (f.isSuccess()) {
        connect.channel().closeFuture().addListener(c -> server.release());
        relay.connect(connect.channel());
        return;
      }
      server.release();
      connectFailures.increment();
      health.connectFailed(server, f.cause().getMessage()); // passive check: out of rotation at once
      boolean retry = tried.size() <= config.retries() && relay.isOpen();
      log.warn("frontend {}: connect to {} failed: {}{}", config.name(), server, f.cause().getMessage(),
          retry ? "; trying another server" : "");
      if (retry) {
        attempt(relay, tried);
      } else {
        relay.close();
      }
    });
  }

  private static InetAddress clientAddress(Relay relay) {
    return ((InetSocketAddress) relay.client().remoteAddress()).getAddress();
  }

  public void accepted() {
    active.incrementAndGet();
    total.increment();
  }

  public void closed() {
    active.decrementAndGet();
  }

  public void countRequest() {
    requests.increment();
  }

  public void countRetry() {
    retried.increment();
  }

  public void countFailedRequest() {
    failedRequests.increment();
  }

  public void heldFrames(int delta) {
    heldFrames.addAndGet(delta);
  }

  /** Message mode: requests sent (each counted once, however often retried). */
  public long requests() {
    return requests.sum();
  }

  /** Message mode: requests sent again after a failure, a timeout or a server's departure. */
  public long retries() {
    return retried.sum();
  }

  /** Message mode: requests that got no reply from any server within their attempts. */
  public long failedRequests() {
    return failedRequests.sum();
  }

  /** Message mode: frames held in the balancer now, over all connections (bounded by maxInFlight each). */
  public long heldFrames() {
    return heldFrames.get();
  }

  public long activeConnections() {
    return active.get();
  }

  public long totalConnections() {
    return total.sum();
  }

  public long connectFailures() {
    return connectFailures.sum();
  }

  /** Bytes read from clients, counted when each connection closes. */
  public long bytesIn() {
    return bytesIn.sum();
  }

  /** Bytes read from servers (and so written to clients), counted when each connection closes. */
  public long bytesOut() {
    return bytesOut.sum();
  }
}
