-- Marks a hold CONFIRMING so neither expiry nor release can take its units while the database decrement runs.
-- KEYS[1] ready sentinel  KEYS[2] the hold  KEYS[3] expiry zset  KEYS[4] confirming zset
-- ARGV[1] expiry member  ARGV[2] now millis
-- Returns {'OK', items} | {'NOT_READY'} | {'MISSING'} | {'EXPIRED'} | {state}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOT_READY'} end
local state = redis.call('HGET', KEYS[2], 'state')
if not state then return {'MISSING'} end
if state ~= 'HELD' then return {state} end
if tonumber(redis.call('HGET', KEYS[2], 'expiresAt')) <= tonumber(ARGV[2]) then return {'EXPIRED'} end
redis.call('HSET', KEYS[2], 'state', 'CONFIRMING')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return {'OK', redis.call('HGET', KEYS[2], 'items')}
