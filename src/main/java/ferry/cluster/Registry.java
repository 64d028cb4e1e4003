package ferry.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The cluster's directory of nodes: each node puts its {@link Announcement} into one Hazelcast map under its
 * Vert.x node id, and a watcher combines that map with Hazelcast membership to know who is alive and what they offer.
 *
 * <p>Why a map and Hazelcast listeners rather than Vert.x's {@code NodeListener}: that SPI has a single slot,
 * does not report members present at start, and fires before the new node's data is readable. Here the entry
 * event <em>is</em> the announcement, members present at start are read once, and a member that disappears
 * (crash or leave) is dropped the moment Hazelcast removes it, whatever the map still says.
 */
public final class Registry {
  public static final String MAP = "ferry.nodes";
  private static final Logger log = LoggerFactory.getLogger(Registry.class);

  private final ClusterNode node;
  private final IMap<String, String> map;
  private final AtomicLong seq = new AtomicLong(); // bumped by announce and by the merge listener's thread
  private volatile Announcement last;
  private volatile boolean withdrawn;
  private final List<Watch> watches = new CopyOnWriteArrayList<>();

  public Registry(ClusterNode node) {
    this.node = node;
    this.map = node.hazelcast().getMap(MAP);
    reannounceAfterMerge();
  }

  /** Publishes (or replaces) this node's announcement. */
  public Future<Void> announce(String name, String role, List<Announcement.Endpoint> services) {
    Announcement a = new Announcement(node.nodeId(), name, role, seq.incrementAndGet(), services);
    last = a;
    return Future.fromCompletionStage(map.setAsync(node.nodeId(), a.toJson()), node.vertx().getOrCreateContext());
  }

  /**
   * After a split-brain merge (this node was cut off, say frozen past the heartbeat limit, and has rejoined) the
   * others had dropped its entry: put it back, so balancers see the node again without a restart. And this node's
   * watches had dropped the others, who never left and will not announce again: read the map once more.
   */
  private void reannounceAfterMerge() {
    node.hazelcast().getLifecycleService().addLifecycleListener(e -> {
      if (e.getState() != LifecycleEvent.LifecycleState.MERGED) {
        return;
      }
      Announcement a = last;
      if (a != null && !withdrawn) {
        log.info("rejoined the cluster after a split; announcing again");
        Announcement again = new Announcement(a.nodeId(), a.node(), a.role(), seq.incrementAndGet(), a.services());
        map.setAsync(node.nodeId(), again.toJson());
      }
      watches.forEach(Watch::readAll);
    });
  }

  /** Removes this node's announcement, so balancers stop using it before the node leaves the cluster. */
  public Future<Void> withdraw() {
    withdrawn = true;
    return Future.fromCompletionStage(map.removeAsync(node.nodeId()), node.vertx().getOrCreateContext()).mapEmpty();
  }

  /** vertx-hazelcast gives each member a node id of its own, kept as a member attribute (not the member UUID). */
  static String nodeIdOf(Member m) {
    String id = m.getAttribute("__vertx.nodeId");
    return id != null ? id : m.getUuid().toString();
  }

  /**
   * Calls {@code onChange} on {@code context} with the live announcements (announced and still a member),
   * sorted by node name, once at start and after every change.
   */
  public Future<Void> watch(Context context, Consumer<List<Announcement>> onChange) {
    Watch w = new Watch(context, onChange);
    map.addEntryListener(w, true);
    node.hazelcast().getCluster().addMembershipListener(w);
    watches.add(w);
    // Members and entries present before the listeners were added are read once.
    return w.readAll();
  }

  /** All mutable state is touched on {@link #context} only; Hazelcast threads hop there first. */
  private final class Watch implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String>, MembershipListener {
    private final Context context;
    private final Consumer<List<Announcement>> onChange;
    private final Map<String, Announcement> known = new HashMap<>();
    private Map<String, Announcement> live = Map.of();

    Watch(Context context, Consumer<List<Announcement>> onChange) {
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
      onContext(() -> known.remove(e.getKey()));
    }

    @Override
    public void memberAdded(MembershipEvent e) {
      onContext(() -> { });
    }

    @Override
    public void memberRemoved(MembershipEvent e) {
      String id = nodeIdOf(e.getMember());
      onContext(() -> known.remove(id));
      map.removeAsync(id); // a crashed node cannot withdraw itself; any watcher may tidy up
    }

    /** Reads every entry (off the event loop), then applies them on the context: newer ones win, as for events. */
    Future<Void> readAll() {
      return context.executeBlocking(() -> Map.copyOf(map))
          .map(entries -> {
            entries.forEach(this::apply);
            publish();
            return null;
          });
    }

    void apply(String nodeId, String json) {
      Announcement a;
      try {
        a = Announcement.fromJson(nodeId, json);
      } catch (RuntimeException ex) {
        log.warn("ignoring an unreadable announcement from node {}: {}", nodeId, ex.getMessage());
        return;
      }
      Announcement old = known.get(nodeId);
      if (old == null || old.seq() < a.seq()) {
        known.put(nodeId, a);
      }
    }

    private void onContext(Runnable change) {
      context.runOnContext(v -> {
        try {
          change.run();
          publish();
        } catch (RuntimeException e) {
          log.error("registry update failed", e);
        }
      });
    }

    void publish() {
      Set<String> members = node.hazelcast().getCluster().getMembers().stream()
          .map(Registry::nodeIdOf).collect(Collectors.toSet());
      Map<String, Announcement> next = new HashMap<>();
      known.forEach((id, a) -> {
        if (members.contains(id)) {
          next.put(id, a);
        }
      });
      if (next.equals(live)) {
        return;
      }
      logDifferences(live, next);
      live = next;
      List<Announcement> sorted = new ArrayList<>(next.values());
      sorted.sort(Comparator.comparing(Announcement::node).thenComparing(Announcement::nodeId));
      onChange.accept(List.copyOf(sorted));
    }

    private void logDifferences(Map<String, Announcement> before, Map<String, Announcement> after) {
      after.forEach((id, a) -> {
        Announcement b = before.get(id);
        if (b == null) {
          log.info("node joined: {} ({}) {}", a.node(), a.role(), describe(a));
          after.forEach((otherId, other) -> {
            if (!otherId.equals(id) && other.node().equals(a.node())) {
              // Overrides, the hash ring, status and logs know nodes by name: two live nodes must not share one.
              log.warn("node name {} is used by two live nodes ({} and {}): give each node its own node.name",
                  a.node(), otherId, id);
            }
          });
        } else if (!b.services().equals(a.services())) {
          log.info("node changed: {} {}", a.node(), describe(a));
        }
      });
      before.forEach((id, b) -> {
        if (!after.containsKey(id)) {
          log.info("node left: {} ({})", b.node(), b.role());
        }
      });
    }

    private static String describe(Announcement a) {
      return a.services().stream()
          .map(e -> e.pool() + "=" + e.address() + (e.state().equals("up") ? "" : " " + e.state()))
          .collect(Collectors.joining(", ", "[", "]"));
    }
  }
}
