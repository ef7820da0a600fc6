package io.flashsale.infra;

/** Every event bus address, in one place. */
public final class BusAddresses {

  /** Local publish of {@code key|version} when a view changed in Redis; {@code *|0} means "revalidate everything". */
  public static final String VIEW_INVALIDATED = "display.view-invalidated";

  private BusAddresses() {
  }
}
