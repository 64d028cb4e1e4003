package ferry.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object of the configuration, read key by key with its dotted path, so that every error
 * names the key ({@code frontends.echo.port: 70000 is out of range 1..65535}). Keys that were never
 * read are reported by {@link #done()}: a typo must not be silently ignored.
 */
final class Section {
  private final String path;
  private final JsonObject json;
  private final Set<String> read = new HashSet<>();

  Section(String path, JsonObject json) {
    this.path = path;
    this.json = json == null ? new JsonObject() : json;
  }

  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    read.add(key);
    return json.getValue(key) != null;
  }

  String string(String key, String def) {
    Object v = value(key);
    if (v == null) {
      return def;
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString(); // --set node.name=7 parses as a number; a name is still meant
    }
    throw bad(key, "expected a string, got " + describe(v));
  }

  String requiredString(String key) {
    String s = string(key, null);
    if (s == null || s.isBlank()) {
      throw new ConfigException(path(key) + ": missing (required)");
    }
    return s;
  }

  String oneOf(String key, String def, List<String> allowed, String what) {
    String s = string(key, def);
    if (s == null) {
      throw new ConfigException(path(key) + ": missing (expected one of " + String.join(", ", allowed) + ")");
    }
    if (!allowed.contains(s)) {
      throw bad(key, "unknown " + what + " \"" + s + "\" (expected one of " + String.join(", ", allowed) + ")");
    }
    return s;
  }

  long integer(String key, long def, long min, long max) {
    Object v = value(key);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw bad(key, "expected an integer, got " + describe(v));
    }
    // Compared as a double first: a huge JSON integer (a BigInteger) would wrap around in longValue().
    if (n.doubleValue() < min || n.doubleValue() > max || n.longValue() < min || n.longValue() > max) {
      throw bad(key, v + " is out of range " + min + ".." + max);
    }
    return n.longValue();
  }

  int integer(String key, int def, int min, int max) {
    return (int) integer(key, (long) def, min, max);
  }

  int port(String key, int def, boolean allowZero) {
    return integer(key, def, allowZero ? 0 : 1, 65535);
  }

  boolean bool(String key, boolean def) {
    Object v = value(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw bad(key, "expected true or false, got " + describe(v));
  }

  /** A list of strings; a single string (as from {@code --set target=a:1,b:2}) is split on commas. */
  List<String> strings(String key, List<String> def) {
    Object v = value(key);
    if (v == null) {
      return def;
    }
    List<String> out = new ArrayList<>();
    if (v instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      return out;
    }
    if (!(v instanceof JsonArray a)) {
      throw bad(key, "expected a list of strings, got " + describe(v));
    }
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s)) {
        throw new ConfigException(path(key) + "[" + i + "]: expected a string, got " + describe(a.getValue(i)));
      }
      out.add(s);
    }
    return out;
  }

  Section object(String key) {
    Object v = value(key);
    if (v != null && !(v instanceof JsonObject)) {
      throw bad(key, "expected an object, got " + describe(v));
    }
    return new Section(path(key), (JsonObject) v);
  }

  /** A map keyed by name ({@code frontends}, {@code services}), in file order. */
  Map<String, Section> map(String key) {
    Section outer = object(key);
    Map<String, Section> out = new LinkedHashMap<>();
    for (String name : outer.json.fieldNames()) {
      if (name.isBlank() || name.contains(".")) {
        throw new ConfigException(outer.path(name) + ": a name must be non-empty and contain no '.'");
      }
      out.put(name, outer.object(name));
    }
    return out;
  }

  /** Fails on the first key of this object that no reader asked for. */
  void done() {
    for (String key : json.fieldNames()) {
      if (!read.contains(key)) {
        throw new ConfigException(path(key) + ": unknown key");
      }
    }
  }

  ConfigException bad(String key, String problem) {
    return new ConfigException(path(key) + ": " + problem);
  }

  private Object value(String key) {
    read.add(key);
    return json.getValue(key);
  }

  private static String describe(Object v) {
    if (v instanceof String s) {
      return "\"" + s + "\"";
    }
    if (v instanceof JsonObject) {
      return "an object";
    }
    if (v instanceof JsonArray) {
      return "a list";
    }
    return String.valueOf(v);
  }
}
