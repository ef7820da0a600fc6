package io.flashsale.display;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

/** A ready-to-send response for one view, held in a verticle's near cache; {@code body == null} means "not found". */
final class CachedView {

  final ViewKind kind;
  final String id;
  final long version;
  final Buffer body;
  final String etag;
  final CharSequence etagHeader;
  /** How long the load took (XFetch's delta). */
  final long loadMillis;
  volatile long expiresAt;

  private CachedView(ViewKind kind, String id, long version, Buffer body, long expiresAt, long loadMillis) {
    this.kind = kind;
    this.id = id;
    this.version = version;
    this.body = body;
    this.etag = body == null ? null : "\"" + version + "\"";
    this.etagHeader = etag == null ? null : HttpHeaders.createOptimized(etag);
    this.expiresAt = expiresAt;
    this.loadMillis = loadMillis;
  }

  static CachedView found(ViewKind kind, String id, long version, Buffer body, long expiresAt, long loadMillis) {
    return new CachedView(kind, id, version, body, expiresAt, loadMillis);
  }

  static CachedView found(ViewKind kind, String id, long version, Buffer body, long expiresAt) {
    return found(kind, id, version, body, expiresAt, 1);
  }

  static CachedView notFound(ViewKind kind, String id, long expiresAt) {
    return new CachedView(kind, id, 0, null, expiresAt, 1);
  }

  boolean isNotFound() {
    return body == null;
  }

  /** RFC 9110 If-None-Match: "*" or a list of entity tags, weak ones compared weakly. */
  boolean matches(String ifNoneMatch) {
    if (ifNoneMatch == null || etag == null) {
      return false;
    }
    if (ifNoneMatch.trim().equals("*")) {
      return true;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
