-- Re-creates one product's hold of a checkout lost with Redis's data (its units are accounted by inventory_reset.lua).
-- KEYS[1] holds  KEYS[2] expiry zset  ARGV[1] checkout id  ARGV[2] expiry member  ARGV[3] hold entry  ARGV[4] expiresAt
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
return 1
