package ferry.admin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /health/live}: the process answers (200). {@code GET /health/ready}: every readiness check passes
 * (200), else 503 with each check's verdict and detail, e.g. which pool has no usable server. Bodies are
 * vertx-health-check's JSON: {@code {"status":"UP","checks":[{"id":...,"status":...,"data":{...}}],"outcome":"UP"}}.
 */
final class HealthRoutes {

  /** One readiness check: null when it passes, else what is wrong (shown as the check's data). */
  interface Check extends Supplier<JsonObject> {
  }

  private HealthRoutes() {
  }

  /** @param ready readiness checks by id, run in this order on every request */
  static void addTo(Router router, Vertx vertx, Map<String, Check> ready) {
    HealthCheckHandler live = HealthCheckHandler.create(vertx)
        .register("process", p -> p.complete(Status.OK()));
    HealthCheckHandler readiness = HealthCheckHandler.create(vertx);
    ready.forEach((id, check) -> readiness.register(id, p -> {
      JsonObject problem = check.get();
      p.complete(problem == null ? Status.OK() : Status.KO(problem));
    }));
    router.get("/health/live").handler(live);
    router.get("/health/ready").handler(readiness);
  }
}
