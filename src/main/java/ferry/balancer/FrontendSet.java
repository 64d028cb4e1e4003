package ferry.balancer;

import ferry.config.FrontendConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The frontends that listen now, by name, and their listeners (one {@link FrontendVerticle} per event loop, one
 * deployment per frontend). A hot reload replaces a frontend by listening with the new one first and draining the
 * old one after, so readers (the admin API, metrics) get an immutable snapshot that is swapped in one volatile
 * write and never see a half-changed map.
 */
final class FrontendSet {

  /** A frontend that listens: what the data path uses, and what must be drained to retire it. */
  static final class Listening {
    private final Frontend frontend;
    private final List<FrontendVerticle> listeners = new CopyOnWriteArrayList<>();
    private volatile String deployment;

    private Listening(Frontend frontend) {
      this.frontend = frontend;
    }

    Frontend frontend() {
      return frontend;
    }

    FrontendConfig config() {
      return frontend.config();
    }
  }

  private final Vertx vertx;
  private final int eventLoops;
  private final long drainMs;
  private final Function<FrontendConfig, Frontend> factory;
  private final Map<String, Listening> listening = new LinkedHashMap<>(); // guarded by this
  private volatile Map<String, Frontend> snapshot = Map.of();
  private final Set<Future<Void>> retiring = ConcurrentHashMap.newKeySet();

  /** @param factory builds a frontend's data path (its counters, algorithm and pools) from its config */
  FrontendSet(Vertx vertx, int eventLoops, long drainMs, Function<FrontendConfig, Frontend> factory) {
    this.vertx = vertx;
    this.eventLoops = eventLoops;
    this.drainMs = drainMs;
    this.factory = factory;
  }

  /**
   * Deploys a listener per event loop for {@code fc}; it is not part of the set until {@link #put}. Two listeners
   * on one address may be up at once (the old one until it is drained): Vert.x shares the bound socket between
   * them, or the kernel does (SO_REUSEPORT) when it is bound anew. A failure names the frontend and its address.
   */
  Future<Listening> listen(FrontendConfig fc) {
    Listening l = new Listening(factory.apply(fc));
    return vertx.deployVerticle(() -> {
          FrontendVerticle listener = new FrontendVerticle(l.frontend, drainMs);
          l.listeners.add(listener);
          return listener;
        }, new DeploymentOptions().setInstances(eventLoops))
        .recover(err -> Future.failedFuture(new Balancer.ListenException(fc, err)))
        .map(id -> {
          l.deployment = id;
          return l;
        });
  }

  /** Makes {@code l} the frontend of its name (in the snapshot too); returns the one it replaces, or null. */
  synchronized Listening put(Listening l) {
    Listening old = listening.put(l.config().name(), l);
    publish();
    return old;
  }

  /** Takes the frontend {@code name} out of the set (new readers no longer see it); null if there is none. */
  synchronized Listening remove(String name) {
    Listening old = listening.remove(name);
    publish();
    return old;
  }

  /**
   * Retires a frontend taken out of the set: its listeners stop accepting at once, open sessions go on for up to
   * {@code node.drainTimeout}, then the deployment goes (undeploying sooner would close those sessions).
   */
  Future<Void> retire(Listening l) {
    Future<Void> drained = Future.join(l.listeners.stream().map(FrontendVerticle::drain).toList()).mapEmpty();
    retiring.add(drained);
    drained.onComplete(v -> retiring.remove(drained));
    return drained.transform(v -> l.deployment == null ? Future.<Void>succeededFuture() : vertx.undeploy(l.deployment));
  }

  /**
   * Drains every frontend at once and waits for those a reload is still retiring too (the balancer is stopping:
   * Vert.x closes whatever is left when it closes).
   */
  Future<Void> drainAll() {
    List<Future<Void>> all = new ArrayList<>(retiring);
    for (Listening l : current()) {
      l.listeners.forEach(listener -> all.add(listener.drain()));
    }
    return Future.join(all).mapEmpty();
  }

  /** The configs of the frontends in the set, by name, in order. */
  synchronized Map<String, FrontendConfig> configs() {
    Map<String, FrontendConfig> out = new LinkedHashMap<>();
    listening.forEach((name, l) -> out.put(name, l.config()));
    return out;
  }

  /** The frontends now, by name: an immutable snapshot, safe to read on any thread. */
  Map<String, Frontend> snapshot() {
    return snapshot;
  }

  private synchronized List<Listening> current() {
    return List.copyOf(listening.values());
  }

  private void publish() {
    Map<String, Frontend> next = new LinkedHashMap<>();
    listening.forEach((name, l) -> next.put(name, l.frontend));
    snapshot = Collections.unmodifiableMap(next);
  }
}
