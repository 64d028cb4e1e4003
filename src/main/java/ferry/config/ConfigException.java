package ferry.config;

/** A bad configuration value, a bad flag or a bad file: the message is one line naming what was wrong. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
