package io.flashsale.display;

/** The SQL text that builds views from the write model, one statement (one snapshot) per view. */
final class DisplaySql {

  static final String EVENT_PAGE = """
      select e.event_id, e.title, e.starts_at, e.ends_at, e.version,
             i.product_id, p.name, p.brand, p.category, p.image_url, p.price, i.sale_price, i.limit_per_user,
             coalesce(s.quantity, 0) as quantity
      from events e
      left join event_items i on i.event_id = e.event_id
      left join products p on p.product_id = i.product_id
      left join stock s on s.product_id = i.product_id
      where e.event_id = $1
      order by i.position""";

  /** The product with the sale it belongs to that has not ended yet (the open one, else the next). */
  static final String PRODUCT = """
      select p.product_id, p.name, p.brand, p.category, p.image_url, p.price, p.version,
             coalesce(s.quantity, 0) as quantity,
             ev.event_id, ev.sale_price, ev.limit_per_user, ev.starts_at, ev.ends_at
      from products p
      left join stock s on s.product_id = p.product_id
      left join lateral (
        select e.event_id, i.sale_price, i.limit_per_user, e.starts_at, e.ends_at
        from event_items i join events e on e.event_id = i.event_id
        where i.product_id = p.product_id and e.ends_at > now()
        order by e.starts_at limit 1) ev on true
      where p.product_id = $1""";

  static final String EVENTS_OF_PRODUCTS = "select distinct event_id from event_items where product_id = any($1)";

  static final String PRODUCTS_OF_EVENT = "select product_id from event_items where event_id = $1 order by position";

  private DisplaySql() {
  }
}
