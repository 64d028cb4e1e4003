package ferry.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a node's configuration comes from: {@code --role}, {@code --config} and the {@code --set} overrides in
 * order. A balancer keeps it to build its configuration again, exactly as at start, when the file changes.
 *
 * @param roleFlag {@code --role}, or null for the file's {@code "role"}
 * @param file     {@code --config}, or null for the role's defaults (nothing to watch then)
 */
public record ConfigSource(String roleFlag, Path file, List<String> sets) {

  public ConfigSource {
    sets = List.copyOf(sets);
  }

  /** Reads and validates; a bad key is a {@link ConfigException} naming it. */
  public ConfigLoader.Loaded load() {
    return ConfigLoader.loadWithDocument(roleFlag, file, sets, System::getenv);
  }
}
