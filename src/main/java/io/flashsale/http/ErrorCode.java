package io.flashsale.http;

/** The error codes of API.md, each with its HTTP status. */
public enum ErrorCode {
  BAD_REQUEST(400),
  UNAUTHORIZED(401),
  PAYMENT_DECLINED(402),
  FORBIDDEN(403),
  ADMISSION_REQUIRED(403),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  SOLD_OUT(409),
  LIMIT_EXCEEDED(409),
  EVENT_NOT_OPEN(409),
  COUPON_NOT_APPLICABLE(409),
  ALREADY_ORDERED(409),
  REQUEST_IN_PROGRESS(409),
  ORDER_NOT_CANCELLABLE(409),
  INSUFFICIENT_STOCK(409),
  HOLD_EXPIRED(410),
  PRECONDITION_FAILED(412),
  PAYLOAD_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  IDEMPOTENCY_CONFLICT(422),
  RATE_LIMITED(429),
  INTERNAL(500),
  UNAVAILABLE(503);

  private final int status;

  ErrorCode(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }
}
