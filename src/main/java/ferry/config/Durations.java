package ferry.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(\\d+)(ms|s|m|h)?");

  private Durations() {
  }

  public static Duration parse(String where, String s) {
    Matcher m = s == null ? null : FORMAT.matcher(s.trim());
    if (m == null || !m.matches()) {
      throw new ConfigException(where + ": \"" + s + "\" is not a duration (e.g. 500ms, 10s, 2m, 1h)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d = switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
    if (d.isZero()) {
      throw new ConfigException(where + ": duration must be more than 0");
    }
    return d;
  }
}
