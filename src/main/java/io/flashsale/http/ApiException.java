package io.flashsale.http;

import io.vertx.core.json.JsonObject;

/** A failure that reaches the client as API.md's error body; thrown or failed anywhere, mapped in one place. */
public class ApiException extends RuntimeException {

  private final ErrorCode code;
  private final JsonObject details;

  public ApiException(ErrorCode code, String message) {
    this(code, message, new JsonObject());
  }

  public ApiException(ErrorCode code, String message, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details;
  }

  public static ApiException badRequest(String message, String field) {
    return new ApiException(ErrorCode.BAD_REQUEST, message, new JsonObject().put("field", field));
  }

  public static ApiException notFound(String what, String id) {
    return new ApiException(ErrorCode.NOT_FOUND, what + " '" + id + "' not found", new JsonObject().put(
        what.replace(" ", "") + "Id", id));
  }

  public static ApiException unavailable(String message) {
    return new ApiException(ErrorCode.UNAVAILABLE, message);
  }

  /** API.md's error body: {@code {"error":{"code","message","details"}}}. */
  public JsonObject toJson() {
    return new JsonObject().put("error", new JsonObject().put("code", code.name())
        .put("message", getMessage() == null ? code.name() : getMessage()).put("details", details));
  }

  public ErrorCode code() {
    return code;
  }

  public JsonObject details() {
    return details;
  }
}
