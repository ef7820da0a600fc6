package io.flashsale.coupon;

/** The SQL text of coupons, in one place. */
final class CouponSql {

  static final String UPSERT = """
      insert into coupons (coupon_id, name, type, value, max_discount, min_price, valid_from, valid_to,
                           target_grades, target_brands, target_categories, target_product_ids)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
      on conflict (coupon_id) do update set name = excluded.name, type = excluded.type, value = excluded.value,
        max_discount = excluded.max_discount, min_price = excluded.min_price, valid_from = excluded.valid_from,
        valid_to = excluded.valid_to, target_grades = excluded.target_grades, target_brands = excluded.target_brands,
        target_categories = excluded.target_categories, target_product_ids = excluded.target_product_ids,
        version = coupons.version + 1, updated_at = now()
      returning version""";

  static final String EXISTS = "select 1 from coupons where coupon_id = $1";

  static final String GRANT = """
      insert into coupon_grants (coupon_id, user_id) select $1, unnest($2::text[])
      on conflict (coupon_id, user_id) do nothing""";

  static final String COUPON = "select * from coupons where coupon_id = $1";

  static final String ALL_COUPONS = "select * from coupons order by coupon_id";

  static final String HOLDERS = "select user_id from coupon_grants where coupon_id = $1 and status = 'AVAILABLE'";

  static final String GRANT_STATUS = """
      select user_id, status from coupon_grants where coupon_id = $1 and user_id = any($2)""";

  static final String USER_GRADE = "select grade from users where user_id = $1";

  /** Every user's grade (the grade sets of the coupon index). */
  static final String USER_GRADES = "select user_id, grade from users";

  static final String RESERVE = """
      update coupon_grants set status = 'RESERVED', checkout_id = $3, updated_at = now()
      where coupon_id = $1 and user_id = $2 and status = 'AVAILABLE'""";

  static final String REDEEM = """
      update coupon_grants set status = 'USED', order_id = $2, updated_at = now()
      where checkout_id = $1 and status = 'RESERVED' returning coupon_id, user_id""";

  static final String RESTORE_RESERVED = """
      update coupon_grants set status = 'AVAILABLE', checkout_id = null, updated_at = now()
      where checkout_id = $1 and status = 'RESERVED' returning coupon_id, user_id""";

  static final String RESTORE_USED = """
      update coupon_grants set status = 'AVAILABLE', checkout_id = null, order_id = null, updated_at = now()
      where order_id = $1 and status = 'USED' returning coupon_id, user_id""";

  /** The brute-force SQL JOIN the index replaces (the coupons bench measures it): applicable coupons of (user, product). */
  static final String JOIN_LOOKUP = """
      select c.coupon_id, c.name, c.type, c.value, c.max_discount, c.min_price
      from coupon_grants g
      join coupons c on c.coupon_id = g.coupon_id
      join users u on u.user_id = g.user_id
      join products p on p.product_id = $2
      where g.user_id = $1 and g.status = 'AVAILABLE'
        and c.valid_from <= now() and c.valid_to > now()
        and (cardinality(c.target_grades) = 0 or u.grade = any(c.target_grades))
        and (cardinality(c.target_brands) = 0 or p.brand = any(c.target_brands))
        and (cardinality(c.target_categories) = 0 or p.category = any(c.target_categories))
        and (cardinality(c.target_product_ids) = 0 or p.product_id = any(c.target_product_ids))
        and p.price >= c.min_price""";

  private CouponSql() {
  }
}
