-- Takes a user's unused coupon out of the index for a checkout, atomically: of parallel checkouts with the same
-- coupon, exactly one gets 1. KEYS[1] the user's coupons  KEYS[2] the coupon's holders  ARGV[1] coupon  ARGV[2] user
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[2])
return 1
