package ferry.ctl;

import ferry.config.AdminConfig;
import ferry.config.ConfigException;
import ferry.config.HostPort;
import ferry.config.NodeConfig;
import ferry.config.ServiceConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

/**
 * {@code --role ctl status | drain NODE | enable NODE | weight NODE N}: one call to a node's admin API, with the
 * JDK's HTTP client (no Vert.x, no cluster). Exit codes as elsewhere: 0 done, 1 the call failed (refused, or the
 * API answered with an error), 2 bad usage.
 */
public final class Ctl {
  public static final String DEFAULT_ADMIN = "127.0.0.1:" + AdminConfig.DEFAULT_PORT;
  static final String COMMANDS = "status, drain NODE, enable NODE, weight NODE N";

  private final HostPort admin;
  private final String token;
  private final boolean json;
  private final PrintStream out;
  private final PrintStream err;

  private Ctl(HostPort admin, String token, boolean json, PrintStream out, PrintStream err) {
    this.admin = admin;
    this.token = token;
    this.json = json;
    this.out = out;
    this.err = err;
  }

  /**
   * @param admin {@code host:port} of the admin API, or null for {@value #DEFAULT_ADMIN}
   * @param token the bearer token ({@code FERRY_ADMIN_TOKEN}), or null
   */
  public static int run(List<String> command, String admin, String token, boolean json, PrintStream out, PrintStream err) {
    Request request;
    HostPort where;
    try {
      where = HostPort.parse("--admin", admin == null ? DEFAULT_ADMIN : admin);
      request = parse(command);
    } catch (ConfigException e) {
      err.println("ferry: " + e.getMessage());
      return 2;
    }
    String t = token == null || token.isBlank() ? null : token.trim();
    return new Ctl(where, t, json, out, err).call(request);
  }

  /** One API call: method, path, body (or null), and how to print a success. */
  private record Request(String what, String method, String path, String body, Printer printer) {
  }

  private interface Printer {
    void print(JsonObject reply, PrintStream out);
  }

  private static Request parse(List<String> command) {
    if (command.isEmpty()) {
      throw new ConfigException("ctl: a command is needed: " + COMMANDS);
    }
    String verb = command.get(0);
    List<String> args = command.subList(1, command.size());
    return switch (verb) {
      case "status" -> {
        arity(verb, args, 0, "status");
        yield new Request("status", "GET", "/api/status", null, StatusTable::print);
      }
      case "drain", "enable" -> {
        arity(verb, args, 1, verb + " NODE");
        String node = nodeName(args.get(0));
        yield new Request(verb + " " + node, "POST", "/api/nodes/" + node + "/" + verb, null, Ctl::printOverride);
      }
      case "weight" -> {
        arity(verb, args, 2, "weight NODE N");
        String node = nodeName(args.get(0));
        int weight = weight(args.get(1));
        yield new Request("weight " + node, "PUT", "/api/nodes/" + node + "/weight",
            new JsonObject().put("weight", weight).encode(), Ctl::printOverride);
      }
      default -> throw new ConfigException("ctl: unknown command \"" + verb + "\" (expected " + COMMANDS + ")");
    };
  }

  private static void arity(String verb, List<String> args, int n, String usage) {
    if (args.size() != n) {
      throw new ConfigException("ctl " + verb + ": expected \"" + usage + "\", got " + args.size() + " argument(s)");
    }
  }

  private static String nodeName(String s) {
    if (!NodeConfig.isName(s)) {
      throw new ConfigException("ctl: \"" + s + "\" is not a node name (letters, digits, '.', '_' or '-')");
    }
    return s;
  }

  private static int weight(String s) {
    try {
      int w = Integer.parseInt(s);
      if (w >= 0 && w <= ServiceConfig.MAX_WEIGHT) {
        return w;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException("ctl weight: \"" + s + "\" is not a weight (an integer 0.." + ServiceConfig.MAX_WEIGHT + ")");
  }

  private int call(Request r) {
    String base = "http://" + admin;
    HttpRequest.Builder http = HttpRequest.newBuilder(URI.create(base + r.path())).timeout(Duration.ofSeconds(10))
        .method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(r.body()));
    if (r.body() != null) {
      http.header("Content-Type", "application/json");
    }
    if (token != null) {
      http.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(3)).build();
      response = client.send(http.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      err.println("ferry: cannot reach the admin API at " + base + ": connection refused");
      return 1;
    } catch (HttpTimeoutException e) {
      err.println("ferry: the admin API at " + base + " did not answer in time");
      return 1;
    } catch (IOException e) {
      err.println("ferry: cannot reach the admin API at " + base + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    JsonObject reply = parseReply(response.body());
    if (response.statusCode() / 100 != 2) {
      String message = reply != null && reply.getValue("error") instanceof String s ? s : response.body().trim();
      err.println("ferry: " + r.what() + ": " + message + " (HTTP " + response.statusCode() + ")");
      return 1;
    }
    if (json || reply == null) {
      out.println(response.body().trim());
    } else {
      r.printer().print(reply, out);
    }
    return 0;
  }

  private static JsonObject parseReply(String body) {
    try {
      return body == null || body.isBlank() ? null : new JsonObject(body);
    } catch (DecodeException e) {
      return null;
    }
  }

  private static void printOverride(JsonObject reply, PrintStream out) {
    JsonObject o = reply.getJsonObject("override", new JsonObject());
    String state = o.getString("state") == null ? "enabled (its announced state counts)" : o.getString("state");
    Integer weight = o.getInteger("weight");
    out.println(reply.getString("node") + ": " + state + ", weight " + (weight == null ? "as announced" : weight));
  }
}
