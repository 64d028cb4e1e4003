package ferry.admin;

import ferry.config.AdminConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * A node's admin HTTP server: one {@link Router} that every admin feature adds its routes to, behind one
 * bearer-token check when a token is configured (so an unauthenticated caller learns nothing, not even which
 * paths exist). Errors are always JSON {@code {"error": "..."}}.
 *
 * <p>Routes are matched in the order they are added; {@link #routes} and {@link #staticResources} may be called
 * until {@link #listen} and after it (vertx-web routers accept new routes at any time).
 */
public final class AdminServer {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private final Vertx vertx;
  private final AdminConfig config;
  private final Router router;
  private HttpServer server;

  public AdminServer(Vertx vertx, AdminConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.router = Router.router(vertx);
    if (config.token() != null) {
      router.route().handler(new BearerAuth(config.token()));
    }
    router.errorHandler(404, rc -> error(rc, 404, "no such endpoint: " + rc.request().path()));
    router.errorHandler(405, rc -> error(rc, 405, "method " + rc.request().method() + " not allowed on " + rc.request().path()));
    router.errorHandler(413, rc -> error(rc, 413, "request body too large"));
    router.errorHandler(500, rc -> {
      log.warn("admin: {} {} failed", rc.request().method(), rc.request().path(), rc.failure());
      error(rc, 500, "internal error: " + (rc.failure() == null ? "unknown" : rc.failure().getMessage()));
    });
  }

  /** Adds routes, e.g. {@code admin.routes(r -> r.get("/api/x").handler(...))}. */
  public AdminServer routes(Consumer<Router> adder) {
    adder.accept(router);
    return this;
  }

  /**
   * Serves the files under classpath directory {@code root} (in the jar) at {@code mount}, e.g. "/" or "/ui/", to GET
   * and HEAD, ahead of the token check: a browser cannot send a bearer token when it opens a page, and the files
   * hold no data (the page asks for the token and sends it with its API calls). A path with no file goes on to
   * the token check and the API routes.
   */
  public AdminServer staticResources(String mount, String root) {
    String path = mount.endsWith("/") ? mount + "*" : mount + "/*";
    // Small files that change with the jar: no day-long browser cache that would outlive an upgrade.
    StaticHandler files = StaticHandler.create(root).setCachingEnabled(false).setDirectoryListing(false);
    router.route(path).order(-1).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(files);
    return this;
  }

  /** Binds {@code admin.host:admin.port}; a port in use fails with a message naming the address. */
  public Future<AdminServer> listen() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
        .requestHandler(router);
    return server.listen()
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "admin: cannot listen on " + config.host() + ":" + config.port() + ": " + err.getMessage(), err)))
        .map(s -> {
          log.info("admin: listening on {}", config.url(s.actualPort())); // never the token
          return this;
        });
  }

  /** The bound port (useful with {@code admin.port} 0). */
  public int actualPort() {
    return server.actualPort();
  }

  public String url() {
    return config.url(actualPort());
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Ends the request with {@code status} and {@code {"error": message}}. */
  public static void error(RoutingContext rc, int status, String message) {
    if (rc.response().ended()) {
      return;
    }
    rc.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
