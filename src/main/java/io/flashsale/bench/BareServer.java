package io.flashsale.bench;

import io.flashsale.http.DateHeader;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;

import java.time.Clock;

/**
 * The display bench's baseline: a bare Vert.x server that answers every request with the same bytes from memory and
 * the same headers as the app's event page, one verticle per event loop, native transport — the ceiling the app is
 * measured against.
 */
public final class BareServer extends VerticleBase {

  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("cache-control");
  private static final CharSequence PUBLIC_1S = HttpHeaders.createOptimized("public, max-age=1");
  private static final CharSequence ETAG = HttpHeaders.createOptimized("etag");

  private final Buffer body;
  private final CharSequence etag;
  private final int port;
  private DateHeader date;

  public BareServer(Buffer body, String etag, int port) {
    this.body = body;
    this.etag = HttpHeaders.createOptimized(etag);
    this.port = port;
  }

  public static Future<String> deploy(Vertx vertx, Buffer body, String etag, int port, int instances) {
    return vertx.deployVerticle(() -> new BareServer(body, etag, port), new DeploymentOptions().setInstances(instances));
  }

  @Override
  public Future<?> start() {
    date = new DateHeader(vertx, Clock.systemUTC());
    return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setTcpFastOpen(true))
        .requestHandler(req -> req.response().putHeader(HttpHeaders.DATE, date.value()).putHeader(ETAG, etag)
            .putHeader(CACHE_CONTROL, PUBLIC_1S).putHeader(CONTENT_TYPE, JSON).end(body))
        .listen(port, "127.0.0.1");
  }
}
