package io.flashsale.payment;

/** The payment simulator's books: one row per payment, moved only along AUTHORIZED → CAPTURED → REFUNDED or VOIDED. */
final class SimulatorSql {

  /**
   * New payments, any number in one statement (a group commit): a row for each one it made; none for a key that already
   * made one (the caller then reads it by key).
   */
  static final String AUTHORIZE = """
      insert into sim_payments (payment_id, idempotency_key, amount, token, status)
      select * from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
      on conflict (idempotency_key) do nothing returning *""";

  /**
   * Captures or voids ($2, per payment) of authorised payments, any number in one statement: a row for each one it
   * moved; none for a payment that is not AUTHORIZED.
   */
  static final String SETTLE_AUTHORIZED = """
      update sim_payments s set status = t.status, updated_at = now()
      from unnest($1::text[], $2::text[]) as t(payment_id, status)
      where s.payment_id = t.payment_id and s.status = 'AUTHORIZED' returning s.*""";

  /** Refund ($2 = REFUNDED) of a captured payment; no row when it is not CAPTURED. */
  static final String REFUND_CAPTURED = """
      update sim_payments set status = $2, refunds = refunds + 1, updated_at = now()
      where payment_id = $1 and status = 'CAPTURED' returning *""";

  static final String BY_KEY = "select * from sim_payments where idempotency_key = $1";

  static final String BY_ID = "select * from sim_payments where payment_id = $1";

  private SimulatorSql() {
  }
}
