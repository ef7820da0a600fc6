package io.flashsale.display;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.ErrorResponder;
import io.flashsale.http.JsonInput;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Serves {@code GET /api/events/{id}} and {@code GET /api/products/{id}} straight from the near cache, with
 * pre-encoded headers and no JSON work on a hit; ETag / If-None-Match answer 304.
 */
public final class DisplayHandler {

  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("cache-control");
  private static final CharSequence PUBLIC_1S = HttpHeaders.createOptimized("public, max-age=1");
  private static final CharSequence ETAG = HttpHeaders.createOptimized("etag");

  private final DisplayService service;

  public DisplayHandler(DisplayService service) {
    this.service = service;
  }

  public void handle(HttpServerRequest req, ViewKind kind, String id) {
    if (!JsonInput.ID.matcher(id).matches()) {
      ErrorResponder.send(req.response(), new ApiException(ErrorCode.BAD_REQUEST,
          kind.label() + " id must be 1-64 characters [A-Za-z0-9_-]", new JsonObject().put("field", kind.label() + "Id")));
      return;
    }
    String key = service.key(kind, id);
    CachedView hit = service.fresh(key);
    if (hit != null) {
      write(req, hit);
      return;
    }
    service.load(kind, id, key).onComplete(ar -> {
      if (ar.succeeded()) {
        write(req, ar.result());
      } else {
        ApiException api = ErrorResponder.classify(ar.cause(), 500);
        ErrorResponder.send(req.response(), api.code() == ErrorCode.INTERNAL
            ? ApiException.unavailable("the view could not be loaded; retry shortly") : api);
      }
    });
  }

  private static void write(HttpServerRequest req, CachedView view) {
    HttpServerResponse res = req.response();
    if (view.isNotFound()) {
      ErrorResponder.send(res, ApiException.notFound(view.kind.label(), view.id));
      return;
    }
    res.putHeader(ETAG, view.etagHeader).putHeader(CACHE_CONTROL, PUBLIC_1S);
    if (view.matches(req.getHeader(HttpHeaders.IF_NONE_MATCH))) {
      res.setStatusCode(304).end();
      return;
    }
    res.putHeader(CONTENT_TYPE, JSON).end(view.body);
  }
}
