-- Layer 1: holds every item of a checkout, or none, atomically.
-- KEYS[1] ready sentinel   KEYS[2] available (hash product -> units)   KEYS[3] held (hash product -> units)
-- KEYS[4] the hold (hash)  KEYS[5] expiry (zset member -> expiresAt)  KEYS[6] the user's limits (hash event|product -> units)
-- ARGV[1] expiry member    ARGV[2] user id   ARGV[3] expiresAt millis   ARGV[4] stock channel   ARGV[5] item count
-- then per item: product id, quantity, limit (0 = none), event id ('' = none), unit price
-- Returns {'OK'} or {'NOT_READY'} | {'DUPLICATE'} | {'NOT_LOADED', p} | {'SOLD_OUT', p, available} | {'LIMIT_EXCEEDED', p, left}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOT_READY'} end
if redis.call('EXISTS', KEYS[4]) == 1 then return {'DUPLICATE'} end
local n = tonumber(ARGV[5])
local items = {}
for i = 0, n - 1 do
  local b = 6 + i * 5
  items[#items + 1] = {p = ARGV[b], q = tonumber(ARGV[b + 1]), limit = tonumber(ARGV[b + 2]), e = ARGV[b + 3], price = ARGV[b + 4]}
end
for _, it in ipairs(items) do
  local avail = redis.call('HGET', KEYS[2], it.p)
  if not avail then return {'NOT_LOADED', it.p} end
  avail = tonumber(avail)
  if avail < it.q then return {'SOLD_OUT', it.p, tostring(avail)} end
  if it.limit > 0 then
    local used = tonumber(redis.call('HGET', KEYS[6], it.e .. '|' .. it.p) or '0')
    if used + it.q > it.limit then return {'LIMIT_EXCEEDED', it.p, tostring(math.max(0, it.limit - used))} end
  end
end
local encoded = {}
for _, it in ipairs(items) do
  local left = redis.call('HINCRBY', KEYS[2], it.p, -it.q)
  redis.call('HINCRBY', KEYS[3], it.p, it.q)
  if it.limit > 0 then redis.call('HINCRBY', KEYS[6], it.e .. '|' .. it.p, it.q) end
  if left == 0 then redis.call('PUBLISH', ARGV[4], 'soldout|' .. it.p) end
  encoded[#encoded + 1] = it.p .. ':' .. it.q .. ':' .. it.limit .. ':' .. it.e
end
redis.call('HSET', KEYS[4], 'state', 'HELD', 'user', ARGV[2], 'expiresAt', ARGV[3], 'items', table.concat(encoded, ';'))
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
return {'OK'}
