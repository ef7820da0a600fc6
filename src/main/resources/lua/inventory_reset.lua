-- Sets a product's Redis stock from the truth: available = database quantity - units in active holds.
-- KEYS[1] available  KEYS[2] held  ARGV[1] product  ARGV[2] database quantity  ARGV[3] held units ('' = keep Redis's)
-- ARGV[4] stock channel. Returns {available before ('' if none), available after}.
local before = redis.call('HGET', KEYS[1], ARGV[1])
local held = ARGV[3]
if held == '' then held = redis.call('HGET', KEYS[2], ARGV[1]) or '0' end
held = tonumber(held)
local after = tonumber(ARGV[2]) - held
if after < 0 then after = 0 end
redis.call('HSET', KEYS[1], ARGV[1], after)
redis.call('HSET', KEYS[2], ARGV[1], held)
if after == 0 then redis.call('PUBLISH', ARGV[4], 'soldout|' .. ARGV[1])
else redis.call('PUBLISH', ARGV[4], 'available|' .. ARGV[1]) end
return {before or '', tostring(after)}
