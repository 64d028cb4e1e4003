package ferry.client;

import ferry.client.ClientOptions.Codec;
import ferry.client.ClientOptions.Target;
import ferry.config.ConfigException;
import ferry.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client speaking a message-mode codec ({@code --codec lines|length}) to test servers on loopback. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientCodecTest {

  private final List<NetServer> servers = new ArrayList<>();
  private ServerSocket blockingServer;

  @AfterEach
  void closeServers() throws Exception {
    for (NetServer s : servers) {
      s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (blockingServer != null) {
      blockingServer.close();
    }
  }

  // --- test servers ---------------------------------------------------------------------------------------------

  private int startServer(Vertx vertx, Consumer<NetSocket> onConnect) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(onConnect::accept);
    servers.add(server);
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).actualPort();
  }

  /**
   * Lines server: answers each line (its {@code \n} or {@code \r\n} removed) with {@code reply} of it
   * plus {@code \n}, like a message-mode frontend in front of {@code echo}.
   */
  private int startLinesServer(Vertx vertx, Function<Buffer, Buffer> reply) throws Exception {
    return startServer(vertx, so -> so.handler(RecordParser.newDelimited("\n", line -> {
      Buffer content = line.length() > 0 && line.getByte(line.length() - 1) == '\r'
          ? line.getBuffer(0, line.length() - 1) : line;
      so.write(reply.apply(content.copy()).appendByte((byte) '\n'));
    })));
  }

  /** Length server: answers each frame with a frame holding {@code reply} of its payload. */
  private int startLengthServer(Vertx vertx, Function<Buffer, Buffer> reply) throws Exception {
    return startServer(vertx, so -> {
      RecordParser parser = RecordParser.newFixed(4);
      boolean[] inPayload = {false};
      parser.handler(record -> {
        if (!inPayload[0]) {
          int n = record.getInt(0);
          if (n == 0) {
            Buffer r = reply.apply(Buffer.buffer());
            so.write(Buffer.buffer().appendInt(r.length()).appendBuffer(r));
          } else {
            inPayload[0] = true;
            parser.fixedSizeMode(n);
          }
        } else {
          Buffer r = reply.apply(record.copy());
          so.write(Buffer.buffer().appendInt(r.length()).appendBuffer(r));
          inPayload[0] = false;
          parser.fixedSizeMode(4);
        }
      });
      so.handler(parser);
    });
  }

  /**
   * Counts replies across all connections and hands every {@code every}-th one to {@code corrupt};
   * {@link #corrupted} tells how many were.
   */
  private static final class EveryNth implements Function<Buffer, Buffer> {
    final AtomicInteger seen = new AtomicInteger();
    final AtomicInteger corrupted = new AtomicInteger();
    final int every;
    final UnaryOperator<Buffer> corrupt;

    EveryNth(int every, UnaryOperator<Buffer> corrupt) {
      this.every = every;
      this.corrupt = corrupt;
    }

    @Override
    public Buffer apply(Buffer payload) {
      if (seen.incrementAndGet() % every != 0) {
        return payload;
      }
      corrupted.incrementAndGet();
      return corrupt.apply(payload);
    }
  }

  // --- load mode ------------------------------------------------------------------------------------------------

  private static final class Run {
    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    int exit;

    Run go(ClientOptions opts) {
      return go(opts, new ByteArrayInputStream(new byte[0]));
    }

    Run go(ClientOptions opts, InputStream in) {
      PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
      PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
      exit = Client.run(opts, out, err, in);
      return this;
    }

    String out() {
      return outBytes.toString(StandardCharsets.UTF_8);
    }

    String err() {
      return errBytes.toString(StandardCharsets.UTF_8);
    }

    JsonObject json() {
      String[] lines = out().split("\\R");
      return new JsonObject(lines[lines.length - 1]);
    }
  }

  private static ClientOptions load(int port, int connections, long requests, int size, Codec codec) {
    return new ClientOptions(List.of(new Target("127.0.0.1", port)), connections, null, requests, size, true,
        2000, codec);
  }

  private static void assertClean(Run run, long requests) {
    assertThat(run.exit).as(run.err()).isZero();
    JsonObject json = run.json();
    assertThat(json.getLong("requests")).isEqualTo(requests);
    assertThat(json.getLong("failedConnects")).isZero();
    assertThat(json.getLong("brokenSessions")).isZero();
    assertThat(json.getLong("mismatchedBytes")).isZero();
    assertThat(json.getLong("failedRequests")).isZero();
    assertThat(run.err()).contains("failedRequests:  0");
  }

  @Test
  void linesLoadAgainstALinesEchoIsClean(Vertx vertx) throws Exception {
    List<Buffer> seen = Collections.synchronizedList(new ArrayList<>());
    int port = startLinesServer(vertx, line -> {
      if (seen.size() < 50) {
        seen.add(line.copy());
      }
      return line;
    });

    Run run = new Run().go(load(port, 4, 1000, 64, Codec.LINES));

    assertClean(run, 1000);
    // Each request was one line of 64 printable bytes (the server saw it without its \n).
    assertThat(seen).isNotEmpty().allSatisfy(line -> {
      assertThat(line.length()).isEqualTo(64);
      for (byte b : line.getBytes()) {
        assertThat((int) b).isBetween(0x21, 0x7e);
      }
    });
  }

  @Test
  void lengthLoadAgainstALengthEchoIsClean(Vertx vertx) throws Exception {
    AtomicInteger wrongSize = new AtomicInteger();
    int port = startLengthServer(vertx, payload -> {
      if (payload.length() != 100) {
        wrongSize.incrementAndGet();
      }
      return payload;
    });

    Run run = new Run().go(load(port, 3, 600, 100, Codec.LENGTH));

    assertClean(run, 600);
    assertThat(wrongSize).hasValue(0);
  }

  @Test
  void largeLengthFramesAreReassembled(Vertx vertx) throws Exception {
    int port = startLengthServer(vertx, payload -> payload);

    Run run = new Run().go(load(port, 2, 20, 256 * 1024 + 3, Codec.LENGTH));

    assertClean(run, 20);
  }

  @Test
  void everyTenthLineCorruptedIsOneFailedRequestEach(Vertx vertx) throws Exception {
    EveryNth corrupter = new EveryNth(10, line -> {
      // Still a printable byte, so the line keeps its length and its one \n.
      line.setByte(0, (byte) (line.getByte(0) == 'A' ? 'B' : 'A'));
      return line;
    });
    int port = startLinesServer(vertx, corrupter);

    Run run = new Run().go(load(port, 3, 300, 32, Codec.LINES));

    assertThat(run.exit).isEqualTo(1);
    JsonObject json = run.json();
    assertThat(corrupter.corrupted.get()).isEqualTo(30);
    assertThat(json.getLong("failedRequests")).isEqualTo(corrupter.corrupted.longValue());
    assertThat(json.getLong("mismatchedBytes")).isEqualTo(corrupter.corrupted.longValue());
    assertThat(json.getLong("requests")).isEqualTo(300L);
    assertThat(json.getLong("brokenSessions")).isZero();
    assertThat(run.err()).contains("failedRequests:  30");
  }

  /** A reply frame of the wrong length ends its request as failed; the loop goes on without stalling. */
  @Test
  void shortLengthRepliesFailTheirRequestAndTheLoopGoesOn(Vertx vertx) throws Exception {
    EveryNth truncater = new EveryNth(10, payload -> payload.getBuffer(0, payload.length() - 1));
    int port = startLengthServer(vertx, truncater);

    Run run = new Run().go(load(port, 2, 200, 16, Codec.LENGTH));

    assertThat(run.exit).isEqualTo(1);
    JsonObject json = run.json();
    assertThat(truncater.corrupted.get()).isEqualTo(20);
    assertThat(json.getLong("failedRequests")).isEqualTo(truncater.corrupted.longValue());
    assertThat(json.getLong("mismatchedBytes")).isPositive();
    assertThat(json.getLong("requests")).isEqualTo(200L);
    assertThat(json.getLong("brokenSessions")).isZero();
  }

  /** An error line instead of the echo (what a frontend answers to a bad frame) is one failed request. */
  @Test
  void anErrorLineIsAFailedRequest(Vertx vertx) throws Exception {
    EveryNth errors = new EveryNth(7, line -> Buffer.buffer("ERR frame too large"));
    int port = startLinesServer(vertx, errors);

    Run run = new Run().go(load(port, 1, 70, 8, Codec.LINES));

    assertThat(run.exit).isEqualTo(1);
    assertThat(run.json().getLong("failedRequests")).isEqualTo(10L);
    assertThat(run.json().getLong("requests")).isEqualTo(70L);
    assertThat(run.json().getLong("brokenSessions")).isZero();
  }

  /** A negative length cannot be framed: the session is dropped (broken), the request failed, the run goes on. */
  @Test
  void aNegativeReplyLengthBreaksTheSession(Vertx vertx) throws Exception {
    AtomicInteger answered = new AtomicInteger();
    int port = startServer(vertx, so -> {
      RecordParser parser = RecordParser.newFixed(4);
      boolean[] inPayload = {false};
      parser.handler(record -> {
        if (!inPayload[0]) {
          inPayload[0] = true;
          parser.fixedSizeMode(record.getInt(0));
        } else {
          int n = answered.incrementAndGet();
          Buffer header = Buffer.buffer().appendInt(n == 5 ? -1 : record.length());
          so.write(header.appendBuffer(record));
          inPayload[0] = false;
          parser.fixedSizeMode(4);
        }
      });
      so.handler(parser);
    });

    Run run = new Run().go(load(port, 1, 20, 8, Codec.LENGTH));

    assertThat(run.exit).isEqualTo(1);
    JsonObject json = run.json();
    assertThat(json.getLong("brokenSessions")).isEqualTo(1L);
    assertThat(json.getLong("failedRequests")).isEqualTo(1L);
    assertThat(json.getLong("mismatchedBytes")).isPositive();
    assertThat(json.getLong("requests")).isEqualTo(20L);
  }

  // --- interactive mode -----------------------------------------------------------------------------------------

  private static ClientOptions interactive(int port, Codec codec) {
    return new ClientOptions(List.of(new Target("127.0.0.1", port)), 0, null, 0, 1, false, 2000, codec);
  }

  /**
   * Blocking length echo for one connection: echoes each frame, closes on the client's EOF, and
   * completes with the payloads it received.
   */
  private CompletableFuture<List<String>> startBlockingLengthEcho() throws IOException {
    blockingServer = new ServerSocket();
    blockingServer.bind(new InetSocketAddress("127.0.0.1", 0));
    blockingServer.setSoTimeout(20_000);
    CompletableFuture<List<String>> frames = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      List<String> got = new ArrayList<>();
      try (Socket s = blockingServer.accept()) {
        s.setSoTimeout(20_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        while (true) {
          int n;
          try {
            n = in.readInt();
          } catch (EOFException eof) {
            break;
          }
          byte[] payload = new byte[n];
          in.readFully(payload);
          got.add(new String(payload, StandardCharsets.UTF_8));
          out.writeInt(n);
          out.write(payload);
          out.flush();
        }
        frames.complete(got);
      } catch (Exception e) {
        frames.completeExceptionally(e);
      }
    }, "length-echo-server");
    t.setDaemon(true);
    t.start();
    return frames;
  }

  @Test
  void interactiveLengthSendsOneFramePerLineAndPrintsEachReplyAsALine() throws Exception {
    CompletableFuture<List<String>> frames = startBlockingLengthEcho();
    byte[] input = "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8);

    Run run = new Run().go(interactive(blockingServer.getLocalPort(), Codec.LENGTH), new ByteArrayInputStream(input));

    assertThat(run.exit).as(run.err()).isZero();
    assertThat(frames.get(10, TimeUnit.SECONDS)).containsExactly("one", "two", "three");
    assertThat(run.out()).isEqualTo("one\ntwo\nthree\n");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void interactiveLengthFramesALastLineWithoutNewlineAndEmptyLines() throws Exception {
    CompletableFuture<List<String>> frames = startBlockingLengthEcho();
    byte[] input = "a\n\nlast".getBytes(StandardCharsets.UTF_8);

    Run run = new Run().go(interactive(blockingServer.getLocalPort(), Codec.LENGTH), new ByteArrayInputStream(input));

    assertThat(run.exit).as(run.err()).isZero();
    assertThat(frames.get(10, TimeUnit.SECONDS)).containsExactly("a", "", "last");
    assertThat(run.out()).isEqualTo("a\n\nlast\n");
  }

  /** Blocking server for one connection: reads to EOF, replies with all of it, closes; completes with what it read. */
  private CompletableFuture<byte[]> startBlockingReplyAtEof() throws IOException {
    blockingServer = new ServerSocket();
    blockingServer.bind(new InetSocketAddress("127.0.0.1", 0));
    blockingServer.setSoTimeout(20_000);
    CompletableFuture<byte[]> read = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (Socket s = blockingServer.accept()) {
        s.setSoTimeout(20_000);
        byte[] all = s.getInputStream().readAllBytes();
        s.getOutputStream().write(all);
        s.getOutputStream().flush();
        read.complete(all);
      } catch (Exception e) {
        read.completeExceptionally(e);
      }
    }, "reply-at-eof-server");
    t.setDaemon(true);
    t.start();
    return read;
  }

  @Test
  void interactiveLinesSendsStdinAsIsAndCompletesTheLastLine() throws Exception {
    CompletableFuture<byte[]> read = startBlockingReplyAtEof();

    Run run = new Run().go(interactive(blockingServer.getLocalPort(), Codec.LINES),
        new ByteArrayInputStream("a\r\nb\nc".getBytes(StandardCharsets.UTF_8)));

    assertThat(run.exit).as(run.err()).isZero();
    assertThat(new String(read.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("a\r\nb\nc\n");
    assertThat(run.out()).isEqualTo("a\r\nb\nc\n");
  }

  @Test
  void interactiveLengthReplyEndingInsideAFrameExitsOne() throws Exception {
    blockingServer = new ServerSocket();
    blockingServer.bind(new InetSocketAddress("127.0.0.1", 0));
    blockingServer.setSoTimeout(20_000);
    Thread t = new Thread(() -> {
      try (Socket s = blockingServer.accept()) {
        s.getInputStream().readAllBytes();
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(2);
        out.write('o');
        out.writeInt(10); // promises 10 bytes and sends 2
        out.write(new byte[] {'h', 'i'});
        out.flush();
      } catch (IOException ignored) {
        // the test's assertions tell what went wrong
      }
    }, "truncating-server");
    t.setDaemon(true);
    t.start();

    Run run = new Run().go(interactive(blockingServer.getLocalPort(), Codec.LENGTH),
        new ByteArrayInputStream("x\n".getBytes(StandardCharsets.UTF_8)));

    assertThat(run.exit).isEqualTo(1);
    assertThat(run.err()).contains("inside a frame");
  }

  @Test
  void lineFramerSplitsAcrossChunks() {
    InteractiveSession.LineFramer framer = new InteractiveSession.LineFramer(1024);
    byte[] a = "he".getBytes(StandardCharsets.UTF_8);
    byte[] b = "llo\nwor".getBytes(StandardCharsets.UTF_8);
    assertThat(framer.feed(a, a.length).length()).isZero();
    Buffer frames = framer.feed(b, b.length);
    assertThat(frames).isEqualTo(Buffer.buffer().appendInt(5).appendString("hello"));
    assertThat(framer.finish()).isEqualTo(Buffer.buffer().appendInt(3).appendString("wor"));
    assertThat(framer.finish().length()).isZero();

    InteractiveSession.LineFramer small = new InteractiveSession.LineFramer(3);
    byte[] big = "abcd".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> small.feed(big, big.length))
        .isInstanceOf(InteractiveSession.LineFramer.LineTooLongException.class);
  }

  @Test
  void lengthFramePrinterHandlesEverySplit() {
    Buffer stream = Buffer.buffer().appendInt(3).appendString("abc").appendInt(0).appendInt(1).appendString("z");
    byte[] bytes = stream.getBytes();
    for (int cut1 = 0; cut1 <= bytes.length; cut1++) {
      for (int cut2 = cut1; cut2 <= bytes.length; cut2++) {
        InteractiveSession.LengthFramePrinter printer = new InteractiveSession.LengthFramePrinter();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);
        assertThat(printer.print(Buffer.buffer().appendBytes(bytes, 0, cut1), out)).isTrue();
        assertThat(printer.print(Buffer.buffer().appendBytes(bytes, cut1, cut2 - cut1), out)).isTrue();
        assertThat(printer.print(Buffer.buffer().appendBytes(bytes, cut2, bytes.length - cut2), out)).isTrue();
        assertThat(sink.toString(StandardCharsets.UTF_8)).as("cuts %d %d", cut1, cut2).isEqualTo("abc\n\nz\n");
        assertThat(printer.insideFrame()).isFalse();
      }
    }
    InteractiveSession.LengthFramePrinter negative = new InteractiveSession.LengthFramePrinter();
    PrintStream discard = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThat(negative.print(Buffer.buffer().appendInt(-1).appendString("x"), discard)).isFalse();
    assertThat(negative.print(Buffer.buffer().appendString("more"), discard)).isFalse();
  }

  // --- configuration --------------------------------------------------------------------------------------------

  @Test
  void codecConfigKey() {
    assertThat(ConfigLoader.load("client", null, List.of()).client().codec()).isNull();
    assertThat(ConfigLoader.load("client", null, List.of("codec=lines")).client().codec()).isEqualTo(Codec.LINES);
    assertThat(ConfigLoader.load("client", null, List.of("codec=length", "connections=2", "requests=5"))
        .client().codec()).isEqualTo(Codec.LENGTH);
    assertThat(ConfigLoader.load("client", null, List.of("codec=null")).client().codec()).isNull();
    assertThatThrownBy(() -> ConfigLoader.load("client", null, List.of("codec=xml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("codec: ")
        .hasMessageContaining("\"xml\"")
        .hasMessageContaining("lines")
        .hasMessageContaining("length");
    assertThatThrownBy(() -> ConfigLoader.load("client", null, List.of("codec=5")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("codec: ");
    assertThatThrownBy(() -> ConfigLoader.load("client", null, List.of("codec=[\"lines\"]")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("codec: ");
  }

  /** {@code Main.run} is package-private in {@code ferry}; the flag is checked end to end through it. */
  private static int mainRun(ByteArrayOutputStream outSink, ByteArrayOutputStream errSink, String... args)
      throws Exception {
    Method run = Class.forName("ferry.Main").getDeclaredMethod("run", String[].class);
    run.setAccessible(true);
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    try {
      System.setOut(new PrintStream(outSink, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errSink, true, StandardCharsets.UTF_8));
      return (int) run.invoke(null, (Object) args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void codecFlagIsValidatedAndOnlyForClients() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(mainRun(new ByteArrayOutputStream(), err, "--role", "client", "--codec", "xml")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("ferry: codec: ").contains("\"xml\"");

    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    assertThat(mainRun(new ByteArrayOutputStream(), err2, "--role", "server", "--codec", "lines")).isEqualTo(2);
    assertThat(err2.toString(StandardCharsets.UTF_8)).contains("--codec").contains("client flag");

    ByteArrayOutputStream help = new ByteArrayOutputStream();
    ByteArrayOutputStream err3 = new ByteArrayOutputStream();
    assertThat(mainRun(help, err3, "--role", "client", "--help")).isZero();
    assertThat(help.toString(StandardCharsets.UTF_8)).contains("--codec lines|length");
    assertThat(err3.size()).isZero();
  }
}
