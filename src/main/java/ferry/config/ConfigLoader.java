package ferry.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Builds a node's configuration in one place, before anything starts: the file (or the role's defaults,
 * which are the very {@code conf/<role>.json} files packaged in the jar), then each {@code --set} in order,
 * then typed validation that names the first bad key.
 */
public final class ConfigLoader {

  private ConfigLoader() {
  }

  /**
   * @param roleFlag {@code --role}, or null to take the file's {@code "role"}
   * @param file     {@code --config}, or null for the role's defaults
   * @param sets     {@code path=value} overrides, applied in order
   */
  public static FerryConfig load(String roleFlag, Path file, List<String> sets) {
    return load(roleFlag, file, sets, System::getenv);
  }

  /** As {@link #load(String, Path, List)}, with {@code env} in place of the process environment. */
  public static FerryConfig load(String roleFlag, Path file, List<String> sets, Function<String, String> env) {
    return loadWithDocument(roleFlag, file, sets, env).config();
  }

  /**
   * A validated configuration, the JSON document it was read from ({@code --set}s applied) and, for a balancer,
   * its {@code reload} settings. Hot reload compares documents section by section: the sections it cannot apply
   * (node, cluster, admin) are compared as written, so a default that differs per load (the node name) is no change.
   */
  public record Loaded(JsonObject document, FerryConfig config, ReloadConfig reload) {
  }

  /** As {@link #load(String, Path, List, Function)}, keeping the document and the reload settings. */
  public static Loaded loadWithDocument(String roleFlag, Path file, List<String> sets, Function<String, String> env) {
    JsonObject doc;
    Role role;
    if (file != null) {
      doc = parse(file.toString(), readFile(file));
      role = roleFlag != null ? Role.parse("--role", roleFlag) : roleOf(file.toString(), doc);
    } else if (roleFlag != null) {
      role = Role.parse("--role", roleFlag);
      doc = role == Role.CTL ? new JsonObject() : defaults(role); // ctl has no defaults file: read() refuses it
    } else {
      throw new ConfigException("no role: give --role balancer|server|client|ctl, or --config FILE with a \"role\"");
    }
    for (String set : sets) {
      applySet(doc, set);
    }
    Section root = new Section("", doc);
    // Read here rather than in FerryConfig: only a balancer reloads, and only the loader needs to know how often.
    ReloadConfig reload = role == Role.BALANCER ? ReloadConfig.read(root.object("reload")) : null;
    return new Loaded(doc, FerryConfig.read(role, root, env), reload);
  }

  /** The role's built-in defaults: {@code conf/<role>.json} as packaged in the jar. */
  public static JsonObject defaults(Role role) {
    String name = "conf/" + role.id() + ".json";
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + name + " from the jar", e);
    }
  }

  /**
   * {@code --set a.b.c=value}: walks (and creates) objects along the path, so a new map entry such as
   * {@code frontends.redis.port=6380} can be added. The value is JSON when it parses as JSON, else a string.
   */
  static void applySet(JsonObject doc, String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set " + assignment + ": expected path=value");
    }
    String path = assignment.substring(0, eq).trim();
    String raw = assignment.substring(eq + 1);
    String[] keys = path.split("\\.", -1);
    JsonObject at = doc;
    for (int i = 0; i < keys.length - 1; i++) {
      if (keys[i].isEmpty()) {
        throw new ConfigException("--set " + assignment + ": empty key in path \"" + path + "\"");
      }
      Object next = at.getValue(keys[i]);
      if (next == null) {
        next = new JsonObject();
        at.put(keys[i], next);
      } else if (!(next instanceof JsonObject)) {
        throw new ConfigException("--set " + assignment + ": " + String.join(".", List.of(keys).subList(0, i + 1)) + " is not an object");
      }
      at = (JsonObject) next;
    }
    String last = keys[keys.length - 1];
    if (last.isEmpty()) {
      throw new ConfigException("--set " + assignment + ": empty key in path \"" + path + "\"");
    }
    at.put(last, jsonOrString(raw));
  }

  private static Object jsonOrString(String raw) {
    try {
      return Json.decodeValue(raw);
    } catch (DecodeException e) {
      return raw;
    }
  }

  private static Role roleOf(String where, JsonObject doc) {
    Object role = doc.getValue("role");
    if (role == null) {
      throw new ConfigException(where + ": no \"role\" in the file and no --role given");
    }
    return Role.parse(where + ": role", String.valueOf(role));
  }

  private static String readFile(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage());
    }
  }

  private static JsonObject parse(String where, String text) {
    Object v;
    try {
      v = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new ConfigException(where + ": invalid JSON: " + firstLine(e.getMessage()));
    }
    if (!(v instanceof JsonObject o)) {
      throw new ConfigException(where + ": expected a JSON object at the top level");
    }
    return o;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    s = s.replaceFirst("^Failed to decode:\\s*", "");
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
