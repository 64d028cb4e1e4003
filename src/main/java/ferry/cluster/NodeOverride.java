package ferry.cluster;

import io.vertx.core.json.JsonObject;

/**
 * What an operator has set for one node, cluster-wide, in the {@value Overrides#MAP} map under the node's name:
 * {@code state} {@code "draining"} or null (the node's own announced state counts), {@code weight} or null (the
 * announced weight counts). {@code seq} grows with every change of the entry, so a reader never replaces a newer
 * override by an older one.
 */
public record NodeOverride(String state, Integer weight, long seq) {

  public static final String DRAINING = "draining";

  public boolean draining() {
    return DRAINING.equals(state);
  }

  /** True when the entry sets nothing (after an enable of a node that had no weight override). */
  public boolean isEmpty() {
    return state == null && weight == null;
  }

  public NodeOverride withState(String newState) {
    return new NodeOverride(newState, weight, seq + 1);
  }

  public NodeOverride withWeight(Integer newWeight) {
    return new NodeOverride(state, newWeight, seq + 1);
  }

  /** {@code {"state": ..., "weight": ...}} as the admin API shows it (nulls kept, so the shape is fixed). */
  public JsonObject toApiJson() {
    return new JsonObject().put("state", state).put("weight", weight);
  }

  String encode() {
    return toApiJson().put("seq", seq).encode();
  }

  static NodeOverride decode(String json) {
    JsonObject j = new JsonObject(json);
    return new NodeOverride(j.getString("state"), j.getInteger("weight"), j.getLong("seq", 0L));
  }
}
