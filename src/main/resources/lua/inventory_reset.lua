-- Sets a product's Redis stock from the truth: available = database quantity - units in active holds.
-- KEYS[1] stock  ARGV[1] product  ARGV[2] database quantity  ARGV[3] held units ('' = keep Redis's)
-- ARGV[4] stock channel. Returns {available before ('' if none), available after}.
local before = redis.call('HGET', KEYS[1], 'a')
local held = ARGV[3]
if held == '' then held = redis.call('HGET', KEYS[1], 'h') or '0' end
held = tonumber(held)
local after = tonumber(ARGV[2]) - held
if after < 0 then after = 0 end
redis.call('HSET', KEYS[1], 'a', after, 'h', held)
if after == 0 then redis.call('PUBLISH', ARGV[4], 'soldout|' .. ARGV[1])
else redis.call('PUBLISH', ARGV[4], 'available|' .. ARGV[1]) end
return {before or '', tostring(after)}
