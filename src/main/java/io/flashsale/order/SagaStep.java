package io.flashsale.order;

/** How far an order's saga got; persisted before each next step so recovery knows where to go on. */
public final class SagaStep {

  /** The order row exists; the payment may or may not have been authorised (ask the provider). */
  public static final String STARTED = "STARTED";
  /** The provider authorised the payment; stock not yet confirmed. */
  public static final String PAYMENT_AUTHORIZED = "PAYMENT_AUTHORIZED";
  /** Stock taken from PostgreSQL; the order is not yet CONFIRMED. */
  public static final String STOCK_CONFIRMED = "STOCK_CONFIRMED";
  /** Confirmed and answered. */
  public static final String DONE = "DONE";
  /** Failed and every done step was undone. */
  public static final String COMPENSATED = "COMPENSATED";
  /** Failed definitely after an authorisation: the void is owed (recovery retries it until the provider agrees). */
  public static final String VOID_PENDING = "VOID_PENDING";
  /** Failed while the provider's answer was unknown (timeout): recovery voids any late authorisation. */
  public static final String PAYMENT_UNKNOWN = "PAYMENT_UNKNOWN";

  private SagaStep() {
  }
}
