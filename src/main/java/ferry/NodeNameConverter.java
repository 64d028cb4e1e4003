package ferry;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %node} in conf/logback.xml: the node's name on every log line, Hazelcast's threads included. Logging may
 * start before the config names the node (Vert.x's JSON parser logs), so the name is read per event, not fixed.
 */
public final class NodeNameConverter extends ClassicConverter {
  private static volatile String name = "ferry";

  public static void set(String nodeName) {
    name = nodeName;
  }

  @Override
  public String convert(ILoggingEvent event) {
    return name;
  }
}
