package ferry.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Operator overrides (drain, enable, weight), kept in one Hazelcast map keyed by node name, so that a drain asked
 * of any balancer is applied by every balancer: the cluster carries the state, not the node that was asked. Keyed
 * by name rather than node id, so an override outlives a restart of the node it names.
 *
 * <p>Like {@link Registry}: an entry listener plus one initial read, every event hops onto one Vert.x context,
 * and an immutable snapshot goes to the consumer. Entries are never removed (an enable writes a cleared entry), so
 * {@code seq} keeps growing per node and writers can compare-and-set on the whole value.
 */
public final class Overrides {
  public static final String MAP = "ferry.overrides";
  private static final Logger log = LoggerFactory.getLogger(Overrides.class);
  /** Concurrent writers of one node's entry retry their compare-and-set; this many losses in a row is a fault. */
  private static final int MAX_ATTEMPTS = 50;

  private final ClusterNode node;
  private final IMap<String, String> map;

  public Overrides(ClusterNode node) {
    this.node = node;
    this.map = node.hazelcast().getMap(MAP);
  }

  /** Stops new connections to every service of node {@code name}; established ones keep going. */
  public Future<NodeOverride> drain(String name) {
    return change(name, o -> o.withState(NodeOverride.DRAINING));
  }

  /** Undoes a drain: the node's announced state counts again (a weight override stays). */
  public Future<NodeOverride> enable(String name) {
    return change(name, o -> o.withState(null));
  }

  /** Replaces the announced weight of every service of node {@code name}; null: the announced weight again. */
  public Future<NodeOverride> weight(String name, Integer weight) {
    return change(name, o -> o.withWeight(weight));
  }

  /**
   * Read, edit, compare-and-set: two balancers changing one node at once (a drain here, a weight there) both
   * land. Blocking Hazelcast calls, so off the event loop.
   */
  private Future<NodeOverride> change(String name, UnaryOperator<NodeOverride> edit) {
    return node.vertx().executeBlocking(() -> {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        String old = map.get(name);
        NodeOverride next = edit.apply(old == null ? new NodeOverride(null, null, 0) : readable(old));
        boolean written = old == null
            ? map.putIfAbsent(name, next.encode()) == null
            : map.replace(name, old, next.encode());
        if (written) {
          return next;
        }
      }
      throw new IllegalStateException("the override of " + name + " changed " + MAX_ATTEMPTS + " times while being written");
    }, false);
  }

  private static NodeOverride readable(String json) {
    try {
      return NodeOverride.decode(json);
    } catch (RuntimeException e) {
      log.warn("replacing an unreadable override: {}", e.getMessage());
      return new NodeOverride(null, null, 0);
    }
  }

  /**
   * Calls {@code onChange} on {@code context} with every node's override that sets something, keyed by node
   * name, once at start and after every change.
   */
  public Future<Void> watch(Context context, Consumer<Map<String, NodeOverride>> onChange) {
    Watch w = new Watch(context, onChange);
    map.addEntryListener(w, true);
    return context.executeBlocking(() -> Map.copyOf(map))
        .map(entries -> {
          entries.forEach(w::fill);
          w.publish();
          return null;
        });
  }

  /** All mutable state is touched on {@link #context} only; Hazelcast threads hop there first. */
  private static final class Watch implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String> {
    private final Context context;
    private final Consumer<Map<String, NodeOverride>> onChange;
    private final Map<String, NodeOverride> known = new HashMap<>();
    private Map<String, NodeOverride> published;

    Watch(Context context, Consumer<Map<String, NodeOverride>> onChange) {
      this.context = context;
      this.onChange = onChange;
    }

    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      onContext(() -> apply(e.getKey(), e.getValue()));
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      onContext(() -> apply(e.getKey(), e.getValue()));
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      onContext(() -> known.remove(e.getKey())); // not written by Ferry, but an operator may clear the map
    }

    /**
     * Hazelcast delivers one key's events in order, so an event always wins. The initial read may be older than
     * an event that already arrived, so it only fills in nodes no event has told about. (Not ordered by
     * {@code seq}: if the map lost its data, new entries would restart at 1 and be ignored.)
     */
    void fill(String name, String json) {
      if (!known.containsKey(name)) {
        apply(name, json);
      }
    }

    private void apply(String name, String json) {
      try {
        known.put(name, NodeOverride.decode(json));
      } catch (RuntimeException ex) {
        log.warn("ignoring an unreadable override for node {}: {}", name, ex.getMessage());
      }
    }

    private void onContext(Runnable change) {
      context.runOnContext(v -> {
        try {
          change.run();
          if (published != null) { // before the initial read, events only collect
            publish();
          }
        } catch (RuntimeException e) {
          log.error("override update failed", e);
        }
      });
    }

    void publish() {
      Map<String, NodeOverride> next = new HashMap<>();
      known.forEach((name, o) -> {
        if (!o.isEmpty()) {
          next.put(name, o);
        }
      });
      if (published != null && settings(next).equals(settings(published))) {
        return; // a repeated drain (a new seq, the same setting) changes nothing downstream
      }
      logDifferences(published == null ? Map.of() : published, next);
      published = Map.copyOf(next);
      onChange.accept(published);
    }

    private static Map<String, String> settings(Map<String, NodeOverride> m) {
      Map<String, String> out = new HashMap<>();
      m.forEach((name, o) -> out.put(name, o.state() + "/" + o.weight()));
      return out;
    }

    private static void logDifferences(Map<String, NodeOverride> before, Map<String, NodeOverride> after) {
      after.forEach((name, o) -> {
        NodeOverride b = before.get(name);
        if (b == null || !b.toApiJson().equals(o.toApiJson())) {
          log.info("override for node {}: {}", name, describe(o));
        }
      });
      before.keySet().stream().filter(name -> !after.containsKey(name))
          .forEach(name -> log.info("override for node {}: cleared", name));
    }

    private static String describe(NodeOverride o) {
      String state = o.state() == null ? "announced state" : o.state();
      return o.weight() == null ? state : state + ", weight " + o.weight();
    }
  }
}
