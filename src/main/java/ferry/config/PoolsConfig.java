package ferry.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A balancer's settings for the pools it serves: {@code health} applies to every pool, and
 * {@code pools.NAME.health} changes it for one pool (only the keys it names).
 */
public record PoolsConfig(HealthConfig health, Map<String, HealthConfig> byPool) {

  public static final PoolsConfig DEFAULT = new PoolsConfig(HealthConfig.DEFAULT, Map.of());

  static PoolsConfig read(Section root) {
    HealthConfig all = HealthConfig.read(root.object("health"), HealthConfig.DEFAULT);
    Map<String, HealthConfig> byPool = new LinkedHashMap<>();
    root.map("pools").forEach((pool, s) -> {
      byPool.put(pool, HealthConfig.read(s.object("health"), all));
      s.done();
    });
    return new PoolsConfig(all, Map.copyOf(byPool));
  }

  public HealthConfig healthOf(String pool) {
    return byPool.getOrDefault(pool, health);
  }
}
