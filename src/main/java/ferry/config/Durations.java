package ferry.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
public final class Durations {
  private static final Duration MAX = Duration.ofDays(365);
  private static final Pattern FORMAT = Pattern.compile("(\\d+)(ms|s|m|h)?");

  private Durations() {
  }

  public static Duration parse(String where, String s) {
    Matcher m = s == null ? null : FORMAT.matcher(s.trim());
    if (m == null || !m.matches()) {
      throw new ConfigException(where + ": \"" + s + "\" is not a duration (e.g. 500ms, 10s, 2m, 1h)");
    }
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d;
    try {
      long n = Long.parseLong(m.group(1));
      d = switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofSeconds(n);
      };
    } catch (NumberFormatException | ArithmeticException e) {
      d = MAX.plusSeconds(1);
    }
    if (d.isZero()) {
      throw new ConfigException(where + ": duration must be more than 0");
    }
    if (d.compareTo(MAX) > 0) {
      throw new ConfigException(where + ": \"" + s + "\" is longer than the maximum of 365 days");
    }
    return d;
  }
}
