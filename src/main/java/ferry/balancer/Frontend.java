package ferry.balancer;

import ferry.balancer.algorithm.Algorithm;
import ferry.balancer.health.HealthChecker;
import ferry.config.FrontendConfig;
import ferry.net.Relay;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
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
  private final Admission admission;
  private volatile boolean draining;
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
    this.admission = new Admission(config.limits());
    this.algorithm = Algorithm.named(config.algorithm(), config.clusterScope());
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
    Session s = new Session(Relay.adopt(socket, config.limits().idleTimeoutMs()));
    accepted();
    s.relay.client().closeFuture().addListener(f -> s.finished());
    if (!admission.offer(s)) {
      s.end("rejected");
    }
  }

  /** One client connection: admitted (or waiting), its server, and what the access log says of it. */
  private final class Session implements Admission.Waiter {
    final Relay relay;
    final long startMillis = System.currentTimeMillis();
    final long startNanos = System.nanoTime();
    final Set<PoolMember> tried = new HashSet<>(2);
    boolean admitted;
    boolean finished;
    PoolMember server;
    long connectMs = -1;
    String end;

    Session(Relay relay) {
      this.relay = relay;
    }

    @Override
    public EventLoop eventLoop() {
      return relay.client().eventLoop();
    }

    @Override
    public boolean isOpen() {
      return relay.isOpen();
    }

    @Override
    public void admit() {
      if (finished) {
        admission.release(); // closed while its admission was on the way: pass the slot on
        return;
      }
      admitted = true;
      attempt(this);
    }

    @Override
    public void timeout() {
      end("timeout");
    }

    void end(String why) {
      if (end == null) {
        end = why;
      }
      relay.close();
    }

    /** On the client channel's close: counters, the slot, one access-log line. */
    void finished() {
      finished = true;
      closed();
      bytesIn.add(relay.bytesIn());
      bytesOut.add(relay.bytesOut());
      if (admitted) {
        admission.release();
      }
      String why = end != null ? end : relay.end() != null ? relay.end() : draining ? "drained" : "closed";
      AccessLog.session(config.name(), String.valueOf(relay.client().remoteAddress()), server, startMillis,
          connectMs, (System.nanoTime() - startNanos) / 1_000_000, relay.bytesIn(), relay.bytesOut(), why);
    }
  }

  private void attempt(Session s) {
    Relay relay = s.relay;
    if (!relay.isOpen()) {
      return;
    }
    Set<PoolMember> tried = s.tried;
    List<PoolMember> servers = pools.usable(config.pool());
    PoolMember server = servers.isEmpty() ? null : algorithm.pick(servers, tried, clientAddress(relay));
    if (server == null) {
      if (tried.isEmpty()) {
        log.warn("frontend {}: no server in pool {}; closing {}", config.name(), config.pool(), relay.client().remoteAddress());
      } else {
        log.warn("frontend {}: every server tried ({}) failed; closing {}", config.name(), tried.size(), relay.client().remoteAddress());
      }
      s.end(tried.isEmpty() ? "no-server" : "connect-failed");
      return;
    }
    tried.add(server);
    s.server = server;
    server.acquire(); // counted from the connect on, so leastconn sees connections still being opened
    long connectStart = System.nanoTime();
    ChannelFuture connect = relay.open(server.socketAddress(), config.connectTimeoutMs());
    connect.addListener(f -> {
      if (f.isSuccess()) {
        s.connectMs = (System.nanoTime() - connectStart) / 1_000_000;
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
        attempt(s);
      } else {
        s.end("connect-failed");
      }
    });
  }

  /** The listeners are draining: sessions closed from now on by this balancer are logged as drained. */
  void draining() {
    draining = true;
  }

  /** Connections closed because the queue was full (maxconn and maxqueue reached). */
  public long rejected() {
    return admission.rejected();
  }

  /** Connections closed after waiting queueTimeoutMs in the queue. */
  public long queueTimeouts() {
    return admission.timedOut();
  }

  /** Connections waiting for a slot now. */
  public int queued() {
    return admission.queued();
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
