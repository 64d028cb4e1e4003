package ferry;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** {@link Main#run} in this JVM with stdout and stderr captured, for the command-line tests. */
final class MainRun {
  record Result(int code, String out, String err) {
  }

  private MainRun() {
  }

  /** Runs {@code args}; 30 s at most, only so that a regression cannot hang the build. */
  static Result run(String... args) {
    return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      PrintStream oldOut = System.out;
      PrintStream oldErr = System.err;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code;
      try {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        code = Main.run(args);
      } finally {
        System.out.flush();
        System.err.flush();
        System.setOut(oldOut);
        System.setErr(oldErr);
      }
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    });
  }

  /** Exit {@code code}, nothing on stdout, one stderr line starting "ferry: " with each fragment; returns it. */
  static String oneErrorLine(Result r, int code, String... fragments) {
    assertThat(r.code()).as("exit code; stderr was: %s", r.err()).isEqualTo(code);
    assertThat(r.out()).as("stdout").isEmpty();
    String[] lines = r.err().split("\\R", -1);
    assertThat(lines).as("stderr lines of: %s", r.err()).hasSize(2); // one line, then "" after the final break
    String line = lines[0];
    assertThat(line).startsWith("ferry: ");
    for (String f : fragments) {
      assertThat(line).contains(f);
    }
    return line;
  }
}
