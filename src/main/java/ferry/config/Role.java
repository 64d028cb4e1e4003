package ferry.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a Ferry process does; picked by {@code --role} or by the config file's {@code "role"}. {@code ctl} is the
 * operator's command line: it joins no cluster and reads no file, it calls a node's admin API.
 */
public enum Role {
  BALANCER, SERVER, CLIENT, CTL;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Role::id).toList();
  }

  public static Role parse(String where, String s) {
    for (Role r : values()) {
      if (r.id().equals(s)) {
        return r;
      }
    }
    throw new ConfigException(where + ": unknown role \"" + s + "\" (expected one of " + String.join(", ", ids()) + ")");
  }
}
