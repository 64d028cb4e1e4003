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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One frontend, shared by its listener on every event loop: its config, algorithm and counters, and the tcp
 * data path: accept, choose a server, connect (retrying on another server), then hand both sockets to a
 * {@link Relay}. Message mode's data path is {@link ferry.balancer.message.MessageRouter}.
 *
 * <p>Two queues, both bounded by the frontend's {@code maxqueue} and {@code queueTimeoutMs}, as in HAProxy: the
 * frontend's own ({@link Admission}, past its {@code maxconn}) and the pool's, for connections that find every
 * server at the {@code maxconn} it announced. A connection waits in the second one until some server has room.
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
  /** Sessions waiting because every server they may use is full; guards {@link #recheckScheduled} too. */
  private final ArrayDeque<Session> serverQueue = new ArrayDeque<>();
  private boolean recheckScheduled;
  private final LongAdder serverQueueRejected = new LongAdder();
  private final LongAdder serverQueueTimeouts = new LongAdder();
  /** tcp-mode sessions open now, for {@link #pendingBytes()}. */
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  /** How often waiting sessions look again for room freed elsewhere (other balancers share counts this often). */
  static final long RECHECK_MS = 100;

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
    sessions.add(s);
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
    boolean waited; // has been in the server queue
    long waitDeadline; // System.nanoTime() at which its wait for a server ends
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

    /** Ends a session the balancer never relayed (or failed to): a clean FIN, never a reset. */
    void end(String why) {
      if (end == null) {
        end = why;
      }
      relay.refuse();
    }

    /** On the client channel's close: counters, the slot, one access-log line. */
    void finished() {
      finished = true;
      sessions.remove(this);
      if (waited) {
        synchronized (serverQueue) {
          serverQueue.remove(this);
        }
      }
      closed();
      bytesIn.add(relay.bytesIn());
      bytesOut.add(relay.bytesOut());
      if (admitted) {
        admission.release();
      } else {
        admission.cancel(this);
      }
      String why = end != null ? end : relay.end() != null ? relay.end() : draining ? "drained" : "closed";
      AccessLog.session(config.name(), relay.client().remoteAddress(), server, startMillis,
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
    Set<PoolMember> skip = withFull(servers, tried);
    PoolMember server = servers.isEmpty() ? null : algorithm.pick(servers, skip, clientAddress(relay));
    if (server == null && skip != tried) {
      waitForServer(s); // servers are up but full: wait for room, as HAProxy's backend queue does
      return;
    }
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
        connect.channel().closeFuture().addListener(c -> {
          server.release();
          if (server.maxconn() > 0) {
            wakeWaiters();
          }
        });
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

  /** {@code tried} plus the servers at their maxconn, or {@code tried} itself when no untried server is full. */
  private static Set<PoolMember> withFull(List<PoolMember> servers, Set<PoolMember> tried) {
    Set<PoolMember> skip = tried;
    for (PoolMember m : servers) {
      if (m.isFull() && !tried.contains(m)) {
        if (skip == tried) {
          skip = new HashSet<>(tried);
        }
        skip.add(m);
      }
    }
    return skip;
  }

  /** On the session's event loop: into the pool's queue (back at its head if it was there already), or rejected. */
  private void waitForServer(Session s) {
    boolean requeue = s.waited;
    if (!s.waited) {
      s.waited = true;
      s.waitDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.limits().queueTimeoutMs());
    }
    long left = s.waitDeadline - System.nanoTime();
    if (left <= 0) {
      serverQueueTimeouts.increment();
      s.end("timeout");
      return;
    }
    boolean queued;
    synchronized (serverQueue) {
      queued = requeue || serverQueue.size() < config.limits().maxqueue();
      if (queued) {
        if (requeue) {
          serverQueue.addFirst(s); // woken, but the room was taken meanwhile: keep its place
        } else {
          serverQueue.addLast(s);
        }
      }
    }
    if (!queued) {
      serverQueueRejected.increment();
      s.end("rejected");
      return;
    }
    if (!requeue) {
      // One timer for the deadline: it ends the session if still queued then; one out of the queue at that moment
      // (woken to try) meets the deadline above when it comes back.
      s.eventLoop().schedule(() -> {
        boolean expired;
        synchronized (serverQueue) {
          expired = serverQueue.remove(s);
        }
        if (expired) {
          serverQueueTimeouts.increment();
          s.end("timeout");
        }
      }, left, TimeUnit.NANOSECONDS);
    }
    scheduleRecheck(s.eventLoop());
  }

  /**
   * Room can free up anywhere: a connection of this frontend closing (which wakes waiters at once), of another
   * frontend or balancer, a server joining or a weight change. So while sessions wait, they look again every
   * {@value #RECHECK_MS} ms.
   */
  private void scheduleRecheck(EventLoop loop) {
    synchronized (serverQueue) {
      if (recheckScheduled) {
        return;
      }
      recheckScheduled = true;
    }
    loop.schedule(() -> {
      synchronized (serverQueue) {
        recheckScheduled = false;
      }
      Session head = wakeWaiters();
      if (head != null) {
        scheduleRecheck(head.eventLoop());
      }
    }, RECHECK_MS, TimeUnit.MILLISECONDS);
  }

  /** Sends as many waiting sessions as servers have room for back to {@link #attempt}; returns one still waiting. */
  private Session wakeWaiters() {
    List<Session> wake = new ArrayList<>();
    Session stillWaiting;
    synchronized (serverQueue) {
      if (serverQueue.isEmpty()) {
        return null;
      }
      long room = 0;
      for (PoolMember m : pools.usable(config.pool())) {
        room += m.maxconn() == 0 ? Integer.MAX_VALUE : Math.max(0, m.maxconn() - m.clusterActive());
      }
      while (room-- > 0 && !serverQueue.isEmpty()) {
        wake.add(serverQueue.pollFirst());
      }
      stillWaiting = serverQueue.peekFirst();
    }
    for (Session s : wake) {
      s.eventLoop().execute(() -> attempt(s));
    }
    return stillWaiting;
  }

  /** The listeners are draining: sessions closed from now on by this balancer are logged as drained. */
  void draining() {
    draining = true;
  }

  /** Connections closed because a queue was full (maxconn and maxqueue reached, the frontend's or the servers'). */
  public long rejected() {
    return admission.rejected() + serverQueueRejected.sum();
  }

  /** Connections closed after waiting queueTimeoutMs in a queue. */
  public long queueTimeouts() {
    return admission.timedOut() + serverQueueTimeouts.sum();
  }

  /** tcp mode: bytes the balancer holds for its sessions now (read from one side, not yet sent to the other). */
  public long pendingBytes() {
    long sum = 0;
    for (Session s : sessions) {
      sum += s.relay.pendingBytes();
    }
    return sum;
  }

  /** Connections waiting now: for a frontend slot, or for a server with room. */
  public int queued() {
    synchronized (serverQueue) {
      return admission.queued() + serverQueue.size();
    }
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
