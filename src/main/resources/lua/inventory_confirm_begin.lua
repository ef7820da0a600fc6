-- Marks one product's hold of a checkout CONFIRMING so neither expiry nor release can take its units while the
-- database decrement runs.
-- KEYS[1] stock  KEYS[2] holds  KEYS[3] expiry zset  KEYS[4] confirming zset
-- ARGV[1] checkout id  ARGV[2] expiry member  ARGV[3] now millis
-- Returns {'OK'} | {'NOT_LOADED'} | {'MISSING'} | {'EXPIRED'} | {state}
--@include inventory_hold_entry.lua
if redis.call('HEXISTS', KEYS[1], 'a') == 0 then return {'NOT_LOADED'} end
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return {'MISSING'} end
local h = parse_hold(v)
if h.state ~= 'HELD' then return {h.state} end
if h.exp <= tonumber(ARGV[3]) then return {'EXPIRED'} end
redis.call('HSET', KEYS[2], ARGV[1], encode_hold(h, 'CONFIRMING'))
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
return {'OK'}
