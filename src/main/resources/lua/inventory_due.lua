-- One product's holds that need the sweeper: those whose expiry has come, and confirms that started before the
-- cut-off and never ended (their process died mid-way).
-- KEYS[1] expiry zset  KEYS[2] confirming zset  ARGV[1] now millis  ARGV[2] stale cut-off millis  ARGV[3] max of each
return {redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3]),
        redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])}
