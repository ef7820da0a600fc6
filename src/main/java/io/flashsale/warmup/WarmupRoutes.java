package io.flashsale.warmup;

import io.flashsale.http.ApiException;
import io.flashsale.http.JsonInput;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.List;

/** {@code POST /admin/events/{id}/warmup}: the warmup CLI's work for one event, from the admin API. */
public final class WarmupRoutes {

  private final WarmupService warmup;

  public WarmupRoutes(WarmupService warmup) {
    this.warmup = warmup;
  }

  public void mount(Router router) {
    router.post("/admin/events/:eventId/warmup").handler(ctx -> {
      String eventId = JsonInput.pathId(ctx.pathParam("eventId"), "eventId");
      warmup.warm(List.of(eventId), n -> { }).onSuccess(s -> {
        if (!s.failures().isEmpty()) {
          ctx.fail(ApiException.unavailable(s.failures().size() + " view(s) could not be written; retry shortly"));
          return;
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(new JsonObject()
            .put("views", s.views()).put("bytesRaw", s.bytesRaw()).put("bytesCompressed", s.bytesCompressed())
            .put("millis", s.millis()).toBuffer());
      }).onFailure(err -> ctx.fail(err instanceof IllegalArgumentException
          ? ApiException.notFound("event", eventId) : err));
    });
  }
}
