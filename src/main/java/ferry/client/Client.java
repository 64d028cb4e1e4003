package ferry.client;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry client}: an nc-like interactive mode and an echo load generator.
 * Owns a private Vert.x instance for the duration of one run.
 */
public final class Client {

  /** Closing Vert.x should be quick; never let a stuck close keep the CLI hanging. */
  private static final long CLOSE_TIMEOUT_SECONDS = 10;

  private Client() {
  }

  /**
   * Runs the client until it is done.
   *
   * @return the process exit code: 0 on success, 1 when connects failed, sessions broke or
   *     replies did not match
   */
  public static int run(ClientOptions opts, PrintStream out, PrintStream err, InputStream in) {
    VertxOptions vertxOptions = new VertxOptions().setPreferNativeTransport(true);
    Vertx vertx = Vertx.builder().with(vertxOptions).build();
    try {
      NetClient client = vertx.createNetClient(new NetClientOptions()
          .setTcpNoDelay(true)
          .setConnectTimeout(opts.connectTimeoutMs()));
      if (opts.interactive()) {
        return new InteractiveSession(vertx, opts, out, err, in).run(client);
      }
      return runLoad(vertx, opts, client, out, err, vertxOptions.getEventLoopPoolSize());
    } finally {
      close(vertx, err);
    }
  }

  private static int runLoad(Vertx vertx, ClientOptions opts, NetClient client, PrintStream out,
                             PrintStream err, int eventLoops) {
    // In JSON mode stdout carries only the report, so scripts can parse it.
    PrintStream human = opts.json() ? err : out;
    LoadRun run = new LoadRun(vertx, opts, client, human, err, eventLoops);
    LoadReport report = run.start().toCompletionStage().toCompletableFuture().join();
    human.println(report.human());
    if (opts.json()) {
      out.println(report.toJson().encode());
    }
    out.flush();
    return report.failed() ? 1 : 0;
  }

  private static void close(Vertx vertx, PrintStream err) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      err.println("ferry client: closing Vert.x failed: " + Connector.reason(e));
    }
  }
}
