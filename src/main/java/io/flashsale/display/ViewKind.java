package io.flashsale.display;

import io.flashsale.infra.RedisKeys;

/** The read-model views a shopper can ask for. */
public enum ViewKind {
  EVENT_PAGE,
  PRODUCT;

  public String key(RedisKeys keys, String id) {
    return this == EVENT_PAGE ? keys.eventView(id) : keys.productView(id);
  }

  public String label() {
    return this == EVENT_PAGE ? "event" : "product";
  }
}
