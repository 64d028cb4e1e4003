package ferry.balancer.health;

import ferry.balancer.PoolMember;
import ferry.config.HealthConfig;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * This balancer's view of which servers answer: active probes every {@code inter} ms per server, and passive
 * reports (a failed connect takes a server out at once). Servers start {@code up} when announced, so a new server
 * gets traffic at once; {@code fall} failed probes take it down, {@code rise} good ones bring it back.
 *
 * <p>All state is touched on one context (the registry's); passive reports hop there first.
 */
public final class HealthChecker {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
  private static final long MAX_BACKOFF_MS = 30_000;

  private final Vertx vertx;
  private final Context context;
  private final Function<String, HealthConfig> configOfPool;
  private final Consumer<Set<String>> onChange;
  private final NetClient client;
  // Written on the context; read by metrics scrapes on the admin server's thread too.
  private final Map<String, Check> checks = new ConcurrentHashMap<>();
  private Supplier<Set<String>> downElsewhere = Set::of;

  public HealthChecker(Vertx vertx, Context context, Function<String, HealthConfig> configOfPool,
                       Consumer<Set<String>> onChange) {
    this.vertx = vertx;
    this.context = context;
    this.configOfPool = configOfPool;
    this.onChange = onChange;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000).setTcpNoDelay(true));
  }

  /** Servers other balancers see down: a server new to this balancer starts down if one of them is. */
  public void startFrom(Supplier<Set<String>> downElsewhere) {
    this.downElsewhere = downElsewhere;
  }

  /** Follows the pools' servers: checks start for new ones and stop for those gone. On the context. */
  public void track(Map<String, List<PoolMember>> pools) {
    Set<String> seen = new HashSet<>();
    Set<String> elsewhere = downElsewhere.get();
    boolean[] startedDown = {false};
    pools.forEach((pool, members) -> members.forEach(m -> {
      seen.add(m.key());
      checks.computeIfAbsent(m.key(), k -> {
        Check c = new Check(m, pool, configOfPool.apply(pool));
        if (c.timer >= 0 && elsewhere.contains(k)) {
          c.down = true; // another balancer sees it down: wait for rise good probes of our own
          startedDown[0] = true;
        }
        return c;
      }).member = m;
    }));
    boolean changed = checks.entrySet().removeIf(e -> {
      boolean gone = !seen.contains(e.getKey());
      if (gone) {
        e.getValue().stop();
      }
      return gone && e.getValue().down;
    });
    if (changed || startedDown[0]) {
      publish();
    }
  }

  /** A connect to {@code m} failed: out of rotation now, back after {@code rise} good probes (or a backoff). */
  public void connectFailed(PoolMember m, String why) {
    context.runOnContext(v -> {
      Check c = checks.get(m.key());
      if (c != null) {
        c.passiveFailure(why);
      }
    });
  }

  /** How long the last probe of {@code m} took (ms), or 0 when it has not been probed. */
  public double lastProbeMillis(PoolMember m) {
    Check c = checks.get(m.key());
    return c == null ? 0 : c.lastProbeMs;
  }

  public void close() {
    checks.values().forEach(Check::stop);
    client.close();
  }

  private void publish() {
    Set<String> down = new HashSet<>();
    checks.forEach((key, c) -> {
      if (c.down) {
        down.add(key);
      }
    });
    onChange.accept(Set.copyOf(down));
  }

  private final class Check {
    PoolMember member;
    final String pool;
    final HealthConfig cfg;
    final String type;
    final long timer;
    boolean down;
    boolean probing;
    boolean stopped;
    int oks;
    int fails;
    long backoffMs = 1000;
    long backoffTimer = -1;
    String lastError;
    volatile long lastProbeMs;

    Check(PoolMember member, String pool, HealthConfig cfg) {
      this.member = member;
      this.pool = pool;
      this.cfg = cfg;
      this.type = Probe.typeFor(cfg, member.type());
      this.timer = type.equals("none") || !member.hasTcp() ? -1 : vertx.setPeriodic(cfg.inter(), t -> probe());
    }

    void probe() {
      if (probing || stopped) {
        return;
      }
      probing = true;
      long started = System.nanoTime();
      Probe.run(vertx, client, type, cfg, member.host(), member.port()).onComplete(ar -> {
        probing = false;
        lastProbeMs = (System.nanoTime() - started) / 1_000_000;
        if (stopped) {
          return;
        }
        if (ar.succeeded()) {
          fails = 0;
          oks++;
          lastError = null;
          if (down && oks >= cfg.rise()) {
            setDown(false, oks + " good checks");
          }
        } else {
          oks = 0;
          fails++;
          lastError = ar.cause().getMessage();
          if (!down && fails >= cfg.fall()) {
            setDown(true, fails + " failed checks, last: " + lastError);
          }
        }
      });
    }

    void passiveFailure(String why) {
      lastError = why;
      oks = 0;
      if (!down) {
        setDown(true, "connect failed: " + why);
      }
      if (timer < 0 && backoffTimer < 0) {
        // No active check to bring it back: try it again after a growing pause.
        backoffTimer = vertx.setTimer(backoffMs, t -> {
          backoffTimer = -1;
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
          if (!stopped) {
            setDown(false, "retrying after a backoff");
          }
        });
      }
    }

    void setDown(boolean nowDown, String why) {
      down = nowDown;
      if (nowDown) {
        log.warn("server {} in pool {} is down: {}", member, pool, why);
      } else {
        log.info("server {} in pool {} is up again: {}", member, pool, why);
      }
      publish();
    }

    void stop() {
      stopped = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (backoffTimer >= 0) {
        vertx.cancelTimer(backoffTimer);
      }
    }
  }
}
