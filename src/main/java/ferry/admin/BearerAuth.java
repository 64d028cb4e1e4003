package ferry.admin;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Lets a request through only with {@code Authorization: Bearer <token>}. Both sides are compared as SHA-256
 * digests with {@link MessageDigest#isEqual}: constant time, and equal lengths whatever the caller sent, so the
 * comparison tells nothing about the token.
 */
final class BearerAuth implements Handler<RoutingContext> {
  private static final String SCHEME = "Bearer ";
  private final byte[] expected;

  BearerAuth(String token) {
    this.expected = sha256(token);
  }

  @Override
  public void handle(RoutingContext rc) {
    String header = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      reject(rc, "missing bearer token (Authorization: Bearer <token>)");
      return;
    }
    if (!MessageDigest.isEqual(expected, sha256(header.substring(SCHEME.length()).trim()))) {
      reject(rc, "bad bearer token");
      return;
    }
    rc.next();
  }

  private static void reject(RoutingContext rc, String message) {
    rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"ferry\"");
    AdminServer.error(rc, 401, message);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
