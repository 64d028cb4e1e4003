package ferry.balancer;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server of a pool as this balancer sees it: the announced endpoint plus this balancer's count of active
 * connections to it. The count outlives a re-announcement (a weight change makes a new member sharing it).
 */
public final class PoolMember {
  private final String nodeId;
  private final String node;
  private final String service;
  private final String host;
  private final int port;
  private final int weight;
  private final String state;
  private final AtomicInteger active;

  public PoolMember(String nodeId, String node, String service, String host, int port, int weight, String state) {
    this(nodeId, node, service, host, port, weight, state, new AtomicInteger());
  }

  private PoolMember(String nodeId, String node, String service, String host, int port, int weight, String state,
                     AtomicInteger active) {
    this.nodeId = nodeId;
    this.node = node;
    this.service = service;
    this.host = host;
    this.port = port;
    this.weight = weight;
    this.state = state;
    this.active = active;
  }

  PoolMember sameCounter(String host, int port, int weight, String state) {
    return new PoolMember(nodeId, node, service, host, port, weight, state, active);
  }

  /** Identity across announcements: node and service. */
  String key() {
    return nodeId + "/" + service;
  }

  boolean sameAs(String host, int port, int weight, String state) {
    return this.host.equals(host) && this.port == port && this.weight == weight && this.state.equals(state);
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

  /** Connections this balancer has open (or is opening) to this server. */
  public int active() {
    return active.get();
  }

  void acquire() {
    active.incrementAndGet();
  }

  void release() {
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
