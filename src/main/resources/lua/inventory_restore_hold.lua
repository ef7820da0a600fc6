-- Re-creates a hold record lost with Redis's data (its units are accounted by inventory_reset.lua).
-- KEYS[1] the hold  KEYS[2] expiry zset  ARGV[1] expiry member  ARGV[2] user  ARGV[3] expiresAt  ARGV[4] items
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'HELD', 'user', ARGV[2], 'expiresAt', ARGV[3], 'items', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
