package ferry.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

/** {@code GET /metrics}: the node's registry (Vert.x's series and Ferry's) in Prometheus text format. */
final class MetricsRoute {

  private MetricsRoute() {
  }

  /** @param beforeScrape brings Ferry's meters up to date (frontends and servers come and go) */
  static void addTo(Router router, PrometheusMeterRegistry registry, Runnable beforeScrape) {
    router.get("/metrics")
        .handler(rc -> {
          beforeScrape.run();
          rc.next();
        })
        .handler(PrometheusScrapingHandler.create(registry));
  }
}
