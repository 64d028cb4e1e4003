package ferry.balancer;

import ferry.config.ConfigException;
import ferry.config.ConfigLoader;
import ferry.config.ConfigSource;
import ferry.config.FrontendConfig;
import ferry.config.Role;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Hot reload of a balancer's frontends from its {@code --config} file: on a change seen by the watch (vertx-config
 * scans the file every {@code reload.scanPeriodMs}) or on {@code POST /api/reload}. The file and the process's
 * {@code --set}s are loaded and validated exactly as at start; an invalid result changes nothing. Frontends
 * added listen; removed ones drain; changed ones listen anew before the old listener drains, so established
 * sessions are never cut. Every other section (node, cluster, admin, ...) needs a restart and is only reported.
 *
 * <p>Reloads run one at a time on the balancer's context, whoever asks.
 */
public final class Reloader {
  private static final Logger log = LoggerFactory.getLogger(Reloader.class);

  /** What one reload did: the changes applied, the sections left for a restart, the frontends that failed. */
  public record Result(List<String> changes, List<String> restartNeeded, List<String> failed) {
    public JsonObject toJson() {
      return new JsonObject().put("changes", changes).put("restartNeeded", restartNeeded).put("failed", failed);
    }
  }

  /** The new configuration is invalid (the message names the key), or there is no file: nothing changed. */
  public static final class Rejected extends RuntimeException {
    private final boolean noFile;

    Rejected(String message, boolean noFile) {
      super(message, null, false, false);
      this.noFile = noFile;
    }

    /** True when the balancer has no file to reload (started without --config). */
    public boolean noFile() {
      return noFile;
    }
  }

  private final Context context;
  private final ConfigSource source;
  private final JsonObject startDocument;
  private final long scanPeriodMs;
  private final FrontendSet frontends;
  private final long drainMs;
  private Future<?> last = Future.succeededFuture(); // the reload in progress, or the last one; on the context
  private ConfigRetriever watch;

  /**
   * @param source  how the running configuration was built (null: not from a file, nothing to reload)
   * @param started the document it was built from, to tell which sections an edit touched
   */
  Reloader(Context context, ConfigSource source, ConfigLoader.Loaded started, FrontendSet frontends, long drainMs) {
    this.context = context;
    this.source = source != null && source.file() != null ? source : null;
    this.startDocument = started.document();
    this.scanPeriodMs = started.reload() == null ? 0 : started.reload().scanPeriodMs();
    this.frontends = frontends;
    this.drainMs = drainMs;
  }

  /** Starts watching the file, if there is one and {@code reload.scanPeriodMs} is above 0. */
  void watch() {
    if (source == null || scanPeriodMs <= 0) {
      return;
    }
    context.runOnContext(v -> {
      // raw: the watch only notices that the text changed; parsing and validation are ConfigLoader's, as at start.
      // optional: a file briefly missing (an editor's rename) reads as empty, and the reload then reports it.
      ConfigStoreOptions file = new ConfigStoreOptions().setType("file").setFormat("raw").setOptional(true)
          .setConfig(new JsonObject().put("path", source.file().toString()).put("raw.key", "text"));
      watch = ConfigRetriever.create(context.owner(), new ConfigRetrieverOptions()
          .setIncludeDefaultStores(false).setScanPeriod(scanPeriodMs).addStore(file));
      // The first scan also fires (nothing was seen before it): an unchanged file then applies nothing, quietly.
      watch.listen(change -> reload("file changed"));
      log.info("reload: watching {} every {} ms", source.file(), scanPeriodMs);
    });
  }

  void close() {
    context.runOnContext(v -> {
      if (watch != null) {
        watch.close();
      }
    });
  }

  /** Reloads now, after any reload in progress; fails with {@link Rejected} when nothing could be applied. */
  Future<Result> reload(String why) {
    Promise<Result> done = Promise.promise();
    context.runOnContext(v -> {
      Future<Result> next = last.transform(previous -> apply(why));
      last = next;
      next.onComplete(done);
    });
    return done.future();
  }

  private Future<Result> apply(String why) {
    if (source == null) {
      return Future.failedFuture(new Rejected("nothing to reload: the balancer was started without --config", true));
    }
    // Blocking: the file is read, and a host name in it may be resolved, as at start.
    return context.owner().executeBlocking(source::load, false)
        .recover(err -> {
          String message = err instanceof ConfigException ? err.getMessage() : String.valueOf(err);
          log.warn("reload rejected: {}", message);
          return Future.failedFuture(new Rejected(message, false));
        })
        .compose(next -> {
          if (next.config().role() != Role.BALANCER) {
            String message = "role: " + next.config().role().id() + " in " + source.file()
                + "; changing the role needs a restart";
            log.warn("reload rejected: {}", message);
            return Future.failedFuture(new Rejected(message, false));
          }
          log.debug("reload ({}): {} is valid", why, source.file());
          return applyFrontends(next.config().frontends(), restartNeeded(next.document()));
        });
  }

  /** Top-level sections other than {@code frontends} whose text differs from the one the balancer started with. */
  private List<String> restartNeeded(JsonObject next) {
    TreeSet<String> keys = new TreeSet<>(startDocument.fieldNames());
    keys.addAll(next.fieldNames());
    List<String> out = new ArrayList<>();
    for (String key : keys) {
      if (!key.equals("frontends") && !Objects.equals(startDocument.getValue(key), next.getValue(key))) {
        out.add(key);
        log.warn("reload: {} changed in {}: needs a restart; ignored", key, source.file());
      }
    }
    return out;
  }

  private Future<Result> applyFrontends(Map<String, FrontendConfig> next, List<String> restartNeeded) {
    Map<String, FrontendConfig> now = frontends.configs();
    List<String> changes = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<Future<?>> listening = new ArrayList<>();
    // New listeners first: a removed frontend's address may be the one an added frontend takes over.
    for (FrontendConfig fc : next.values()) {
      FrontendConfig old = now.get(fc.name());
      if (fc.equals(old)) {
        continue;
      }
      listening.add(frontends.listen(fc)
          .onSuccess(l -> {
            FrontendSet.Listening replaced = frontends.put(l);
            String change = old == null
                ? "frontend " + fc.name() + " added: listening on " + describe(fc)
                : "frontend " + fc.name() + " changed (" + String.join(", ", FrontendDiff.of(old, fc))
                    + "): listening on " + describe(fc) + "; the old listener drains";
            retire(replaced);
            changes.add(change);
            log.info("reload: {}", change);
          })
          .onFailure(err -> {
            String failure = err.getMessage() + (old == null ? "; not added" : "; the old one is kept");
            failed.add(failure);
            log.warn("reload: {}", failure);
          }));
    }
    return Future.join(listening).transform(v -> {
      for (String name : now.keySet()) {
        if (!next.containsKey(name)) {
          FrontendSet.Listening removed = frontends.remove(name);
          retire(removed);
          String change = "frontend " + name + " removed: no longer listening on " + removed.config().address()
              + "; open sessions go on for up to " + drainMs + " ms";
          changes.add(change);
          log.info("reload: {}", change);
        }
      }
      if (changes.isEmpty() && failed.isEmpty()) {
        log.debug("reload: no frontend changed");
      }
      return Future.succeededFuture(new Result(List.copyOf(changes), restartNeeded, List.copyOf(failed)));
    });
  }

  private void retire(FrontendSet.Listening old) {
    if (old != null) {
      frontends.retire(old).onComplete(ar -> log.debug("reload: old listener of frontend {} {}", old.config().name(),
          ar.succeeded() ? "drained and undeployed" : "failed to undeploy: " + ar.cause()));
    }
  }

  static String describe(FrontendConfig fc) {
    return fc.address() + " (" + (fc.isMessage() ? "message, " + fc.message().codec() : fc.mode()) + ") -> pool "
        + fc.pool() + " (" + fc.algorithm() + ")";
  }
}
