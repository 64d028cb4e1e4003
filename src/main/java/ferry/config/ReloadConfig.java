package ferry.config;

/**
 * A balancer's hot reload ({@code reload.*}): how often the {@code --config} file is checked for a change.
 * 0 turns the watch off; {@code POST /api/reload} still reloads on demand.
 */
public record ReloadConfig(long scanPeriodMs) {

  public static final long DEFAULT_SCAN_PERIOD_MS = 2000;
  public static final ReloadConfig DEFAULT = new ReloadConfig(DEFAULT_SCAN_PERIOD_MS);
  // Below this a scan is pointless busywork (each one reads and compares the whole file).
  private static final long MIN_SCAN_PERIOD_MS = 100;

  static ReloadConfig read(Section s) {
    long period = s.integer("scanPeriodMs", DEFAULT_SCAN_PERIOD_MS, 0, 3_600_000);
    if (period > 0 && period < MIN_SCAN_PERIOD_MS) {
      throw s.bad("scanPeriodMs", period + " is too short (0 for off, or " + MIN_SCAN_PERIOD_MS + "..3600000)");
    }
    s.done();
    return new ReloadConfig(period);
  }

  public boolean watching() {
    return scanPeriodMs > 0;
  }
}
