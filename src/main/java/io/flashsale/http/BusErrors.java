package io.flashsale.http;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/** Carries API errors across the event bus: the failure code is the HTTP status, the message the error JSON. */
public final class BusErrors {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BusErrors.class);

  private BusErrors() {
  }

  /** Answers a bus request with the failure, classified as the HTTP layer would. */
  public static void reply(Message<?> msg, Throwable failure) {
    ApiException api = ErrorResponder.classify(failure, 500);
    if (!(failure instanceof ApiException)) {
      // The cause stays here; the caller only sees the API error.
      LOG.warn("{} answered {} for: {}", msg.address(), api.code(), String.valueOf(failure));
    }
    // API.md's error object, as ApiException writes it; toApi reads it back on the caller's side.
    msg.fail(api.code().status(), api.toJson().getJsonObject("error").encode());
  }

  /** A bus request whose failure comes back as the API error it carried (see {@link #toApi}). */
  public static <T> Future<Message<T>> request(EventBus bus, String address, Object body, DeliveryOptions options) {
    return bus.<T>request(address, body, options).recover(err -> Future.failedFuture(toApi(err)));
  }

  /** Turns a failed bus request back into the API error it carried (a timeout or no handler is a 503). */
  public static Throwable toApi(Throwable failure) {
    if (failure instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.getMessage() != null
          && re.getMessage().startsWith("{")) {
        JsonObject err = new JsonObject(re.getMessage());
        return new ApiException(ErrorCode.valueOf(err.getString("code")), err.getString("message"),
            err.getJsonObject("details", new JsonObject()));
      }
      return ApiException.unavailable("the inventory service did not answer; retry shortly");
    }
    return failure;
  }
}
