package ferry.balancer;

import ferry.cluster.Announcement;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server of a pool as this balancer sees it: the announced endpoint plus this balancer's count of active
 * connections (or in-flight requests) to it. The count outlives a re-announcement (a weight change makes a new
 * member sharing it).
 */
public final class PoolMember {
  private final String nodeId;
  private final String node;
  private final String service;
  private final String type;
  private final String host;
  private final int port;
  private final String bus;
  private final int weight;
  private final String state;
  private final int maxconn;
  private final AtomicInteger active;
  private final AtomicInteger others;

  public PoolMember(String nodeId, String node, String service, String host, int port, int weight, String state) {
    this(nodeId, node, service, null, host, port, null, weight, state, 0, new AtomicInteger(), new AtomicInteger());
  }

  PoolMember(String nodeId, String node, Announcement.Endpoint e) {
    this(nodeId, node, e.service(), e.type(), e.host(), e.port(), e.bus(), e.weight(), e.state(), e.maxconn(),
        new AtomicInteger(), new AtomicInteger());
  }

  private PoolMember(String nodeId, String node, String service, String type, String host, int port, String bus,
                     int weight, String state, int maxconn, AtomicInteger active, AtomicInteger others) {
    this.nodeId = nodeId;
    this.node = node;
    this.service = service;
    this.type = type;
    this.host = host;
    this.port = port;
    this.bus = bus;
    this.weight = weight;
    this.state = state;
    this.maxconn = maxconn;
    this.active = active;
    this.others = others;
  }

  PoolMember sameCounter(Announcement.Endpoint e) {
    return new PoolMember(nodeId, node, service, e.type(), e.host(), e.port(), e.bus(), e.weight(), e.state(), e.maxconn(),
        active, others);
  }

  /** Identity across announcements: node and service. */
  public String key() {
    return key(nodeId, service);
  }

  /** The key of the member for {@code service} of node {@code nodeId}. */
  public static String key(String nodeId, String service) {
    return nodeId + "/" + service;
  }

  /** The same server (node and service), whatever its weight or state now. */
  public boolean isSameServer(PoolMember other) {
    return active == other.active;
  }

  boolean sameAs(Announcement.Endpoint e) {
    return host.equals(e.host()) && port == e.port() && java.util.Objects.equals(bus, e.bus())
        && weight == e.weight() && state.equals(e.state()) && maxconn == e.maxconn();
  }

  /** The service's type as announced: echo, whoami, external or java (null when unknown). */
  public String type() {
    return type;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The event-bus address that takes this server's requests in message mode, or null (tcp only). */
  public String bus() {
    return bus;
  }

  /** Whether this server has a TCP address a tcp frontend can connect to. */
  public boolean hasTcp() {
    return port > 0;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The readable node name, as in logs and whoami. */
  public String node() {
    return node;
  }

  public String service() {
    return service;
  }

  public int weight() {
    return weight;
  }

  public String state() {
    return state;
  }

  /** The most connections the server takes from all balancers together (0: no limit), as it announced. */
  public int maxconn() {
    return maxconn;
  }

  /**
   * At its {@code maxconn}, counting every balancer's connections: this balancer's exactly, the others' as last
   * shared (at most ~100 ms old), so balancers opening connections at the same instant may overshoot briefly.
   */
  public boolean isFull() {
    return maxconn > 0 && clusterActive() >= maxconn;
  }

  /** Connections this balancer has open (or is opening) to this server. */
  public int active() {
    return active.get();
  }

  /** Connections the other balancers of the cluster report to this server (refreshed every 100 ms). */
  public int others() {
    return others.get();
  }

  /** This balancer's connections plus the other balancers': what a cluster-scope leastconn or p2c compares. */
  public int clusterActive() {
    return active.get() + others.get();
  }

  void setOthers(int n) {
    others.set(n);
  }

  public void acquire() {
    active.incrementAndGet();
  }

  public void release() {
    active.decrementAndGet();
  }

  /** The announced host is an address literal in practice; a name would be resolved here, once per connect. */
  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  public String address() {
    return host + ":" + port;
  }

  @Override
  public String toString() {
    return node + "/" + service + "@" + address();
  }
}
