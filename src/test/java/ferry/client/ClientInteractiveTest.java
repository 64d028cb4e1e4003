package ferry.client;

import ferry.TestPorts;
import ferry.client.ClientOptions.Target;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientInteractiveTest {

  private ServerSocket server;

  @AfterEach
  void closeServer() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Echo server that only answers after the client's EOF, so the reply is printed only if the
   * client half-closes instead of closing. Completes with the number of bytes it echoed.
   */
  private CompletableFuture<Integer> startReplyAfterEofServer() throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    server.setSoTimeout(20_000);
    CompletableFuture<Integer> echoed = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (Socket s = server.accept()) {
        s.setSoTimeout(20_000);
        byte[] all = s.getInputStream().readAllBytes();
        OutputStream os = s.getOutputStream();
        os.write(all);
        os.flush();
        echoed.complete(all.length);
      } catch (Exception e) {
        echoed.completeExceptionally(e);
      }
    }, "reply-after-eof-server");
    t.setDaemon(true);
    t.start();
    return echoed;
  }

  private static ClientOptions interactive(List<Target> targets) {
    return new ClientOptions(targets, 0, null, 0, 1, false, 2000);
  }

  @Test
  void halfClosesOnStdinEofAndPrintsTheWholeReplyAfterFailingOver() throws Exception {
    CompletableFuture<Integer> echoed = startReplyAfterEofServer();
    byte[] input = new byte[100 * 1024];
    new Random(42).nextBytes(input);
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    int exit = Client.run(
        interactive(List.of(new Target("127.0.0.1", TestPorts.free()), new Target("127.0.0.1", server.getLocalPort()))),
        new PrintStream(outBytes, true), new PrintStream(errBytes, true, StandardCharsets.UTF_8),
        new ByteArrayInputStream(input));

    assertThat(exit).as(errBytes.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo(input.length);
    assertThat(outBytes.toByteArray()).isEqualTo(input);
    assertThat(errBytes.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void emptyStdinStillHalfClosesAndEndsWhenTheServerCloses() throws Exception {
    CompletableFuture<Integer> echoed = startReplyAfterEofServer();
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();

    int exit = Client.run(interactive(List.of(new Target("127.0.0.1", server.getLocalPort()))),
        new PrintStream(outBytes, true), new PrintStream(new ByteArrayOutputStream(), true),
        InputStream.nullInputStream());

    assertThat(exit).isZero();
    assertThat(echoed.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(outBytes.toByteArray()).isEmpty();
  }

  @Test
  void allTargetsUnreachablePrintsOneLineAndExitsOne() throws Exception {
    int a = TestPorts.free();
    int b = TestPorts.free();
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    int exit = Client.run(interactive(List.of(new Target("127.0.0.1", a), new Target("127.0.0.1", b))),
        new PrintStream(outBytes, true), new PrintStream(errBytes, true, StandardCharsets.UTF_8),
        new ByteArrayInputStream(new byte[] {1, 2, 3}));

    assertThat(exit).isEqualTo(1);
    assertThat(outBytes.toByteArray()).isEmpty();
    String err = errBytes.toString(StandardCharsets.UTF_8);
    assertThat(err.split("\\R")).hasSize(1);
    assertThat(err).startsWith("ferry client: cannot connect to 127.0.0.1:" + a + ",127.0.0.1:" + b + ": ");
    assertThat(err.strip()).hasSizeGreaterThan(("ferry client: cannot connect to 127.0.0.1:" + a
        + ",127.0.0.1:" + b + ": ").length());
  }
}
