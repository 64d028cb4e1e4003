package ferry.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /api/status} as an operator reads it: a line about the node, then frontends, then every pool's servers
 * with their state, then the cluster's nodes; each a table with aligned columns. A server's status has its
 * services in place of frontends and pools.
 */
final class StatusTable {

  private StatusTable() {
  }

  static void print(JsonObject status, PrintStream out) {
    JsonObject node = status.getJsonObject("node", new JsonObject());
    out.println(node.getString("name") + " (" + node.getString("role") + "), up " + uptime(node.getLong("uptimeMs", 0L))
        + ", cluster of " + node.getInteger("clusterSize", 0) + " member(s)");
    if (status.containsKey("frontends")) {
      Table t = new Table("FRONTEND", "ADDRESS", "MODE", "POOL", "ALGORITHM", "ACTIVE", "TOTAL", "BYTES IN", "BYTES OUT",
          "CONNECT FAILURES", "QUEUED", "REJECTED", "QUEUE TIMEOUTS");
      for (JsonObject f : objects(status.getJsonArray("frontends"))) {
        t.row(f.getString("name"), f.getString("address"), f.getString("mode"), f.getString("pool"),
            f.getString("algorithm"), num(f, "activeConnections"), num(f, "totalConnections"), num(f, "bytesIn"),
            num(f, "bytesOut"), num(f, "connectFailures"), num(f, "queued"), num(f, "rejected"), num(f, "queueTimeouts"));
      }
      t.print(out, "(no frontends)");
    }
    if (status.containsKey("pools")) {
      Table t = new Table("POOL", "SERVER", "SERVICE", "ADDRESS", "STATE", "WEIGHT", "ACTIVE", "MAXCONN", "ANNOUNCED",
          "OVERRIDE");
      JsonObject pools = status.getJsonObject("pools");
      for (String pool : pools.fieldNames()) {
        List<JsonObject> servers = objects(pools.getJsonObject(pool).getJsonArray("servers"));
        if (servers.isEmpty()) {
          t.row(pool, "(none)", "", "", "", "", "", "", "", "");
        }
        for (JsonObject s : servers) {
          t.row(pool, s.getString("name"), s.getString("service"), s.getString("address"), s.getString("state"),
              num(s, "weight"), num(s, "activeConnections"), s.getInteger("maxconn", 0) == 0 ? "-" : num(s, "maxconn"),
              s.getString("announcedState", "?") + " " + num(s, "announcedWeight"), override(s.getJsonObject("override")));
        }
      }
      t.print(out, "(no pools)");
    }
    if (status.containsKey("services")) {
      Table t = new Table("SERVICE", "POOL", "ADDRESS", "WEIGHT", "STATE");
      for (JsonObject s : objects(status.getJsonArray("services"))) {
        t.row(s.getString("service"), s.getString("pool"), s.getString("address"), num(s, "weight"), s.getString("state"));
      }
      t.print(out, "(no services)");
    }
    Table nodes = new Table("NODE", "ROLE", "NODE ID");
    for (JsonObject n : objects(status.getJsonArray("nodes", new JsonArray()))) {
      nodes.row(n.getString("name"), n.getString("role"), n.getString("nodeId"));
    }
    nodes.print(out, "(no nodes)");
  }

  private static String override(JsonObject o) {
    if (o == null) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    if (o.getString("state") != null) {
      parts.add(o.getString("state"));
    }
    if (o.getValue("weight") != null) {
      parts.add("weight " + o.getValue("weight"));
    }
    return parts.isEmpty() ? "-" : String.join(", ", parts);
  }

  static String uptime(long ms) {
    long s = ms / 1000;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m " + s % 60 + "s";
    }
    return s / 3600 + "h " + s % 3600 / 60 + "m";
  }

  private static String num(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v == null ? "-" : v.toString();
  }

  private static List<JsonObject> objects(JsonArray a) {
    List<JsonObject> out = new ArrayList<>();
    if (a != null) {
      for (int i = 0; i < a.size(); i++) {
        out.add(a.getJsonObject(i));
      }
    }
    return out;
  }

  /** Columns as wide as their widest cell, two spaces apart, no trailing blanks. */
  private static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      rows.add(header);
    }

    void row(String... cells) {
      rows.add(cells);
    }

    void print(PrintStream out, String whenEmpty) {
      out.println();
      int[] width = new int[rows.get(0).length];
      for (String[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          width[i] = Math.max(width[i], String.valueOf(r[i]).length());
        }
      }
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
          String cell = String.valueOf(r[i]);
          line.append(cell);
          if (i < r.length - 1) {
            line.append(" ".repeat(width[i] - cell.length() + 2));
          }
        }
        out.println(line.toString().stripTrailing());
      }
      if (rows.size() == 1) {
        out.println(whenEmpty);
      }
    }
  }
}
