-- Layer 1: holds one product's units for a checkout, with the per-user limit. A checkout of several products runs
-- this once per product (each product is its own slot on a Redis Cluster); StockCache gives back what was held when
-- a later product refuses.
-- KEYS[1] stock (hash a = available, h = held)  KEYS[2] holds (hash checkout -> hold)  KEYS[3] expiry (zset)
-- KEYS[4] limits (hash user|event -> units)
-- ARGV[1] checkout id  ARGV[2] expiry member (user|checkout)  ARGV[3] user id  ARGV[4] expiresAt millis
-- ARGV[5] stock channel  ARGV[6] product id  ARGV[7] quantity  ARGV[8] limit (0 = none)  ARGV[9] event id ('' = none)
-- Returns {'OK'} | {'NOT_LOADED'} | {'DUPLICATE'} | {'SOLD_OUT', available} | {'LIMIT_EXCEEDED', left}
local avail = redis.call('HGET', KEYS[1], 'a')
if not avail then return {'NOT_LOADED'} end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return {'DUPLICATE'} end
avail = tonumber(avail)
local q = tonumber(ARGV[7])
if avail < q then return {'SOLD_OUT', tostring(avail)} end
local limit = tonumber(ARGV[8])
local field = ARGV[3] .. '|' .. ARGV[9]
if limit > 0 then
  local used = tonumber(redis.call('HGET', KEYS[4], field) or '0')
  if used + q > limit then return {'LIMIT_EXCEEDED', tostring(math.max(0, limit - used))} end
  redis.call('HINCRBY', KEYS[4], field, q)
end
local left = redis.call('HINCRBY', KEYS[1], 'a', -q)
redis.call('HINCRBY', KEYS[1], 'h', q)
if left == 0 then redis.call('PUBLISH', ARGV[5], 'soldout|' .. ARGV[6]) end
redis.call('HSET', KEYS[2], ARGV[1], 'HELD|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. q .. '|' .. limit .. '|' .. ARGV[9])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return {'OK'}
