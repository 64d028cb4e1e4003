package ferry.balancer;

import ferry.config.FrontendConfig;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What differs between two configs of one frontend, key by key ({@code algorithm roundrobin -> leastconn}), for
 * the reload's log line. Read off the record's components, so a key added to {@link FrontendConfig} is covered
 * without a change here; message-mode options are compared as the keys they are in the file.
 */
final class FrontendDiff {

  private FrontendDiff() {
  }

  static List<String> of(FrontendConfig before, FrontendConfig after) {
    List<String> out = new ArrayList<>();
    compare(before, after, FrontendConfig.class, out);
    return out;
  }

  private static void compare(Object before, Object after, Class<?> type, List<String> out) {
    for (RecordComponent c : type.getRecordComponents()) {
      Object a = before == null ? null : value(c, before);
      Object b = after == null ? null : value(c, after);
      if (Objects.equals(a, b)) {
        continue;
      }
      if (c.getType().isRecord()) {
        compare(a, b, c.getType(), out); // nested options are flat keys in the file
      } else {
        out.add(c.getName() + " " + shown(a) + " -> " + shown(b));
      }
    }
  }

  private static Object value(RecordComponent c, Object record) {
    try {
      return c.getAccessor().invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + c.getName(), e);
    }
  }

  private static String shown(Object v) {
    return v == null ? "-" : v.toString();
  }
}
