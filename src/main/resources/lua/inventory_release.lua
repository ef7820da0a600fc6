-- Gives one product's hold of a checkout back. Called only once PostgreSQL says the checkout did not become an order
-- (it left HELD, or never got there), so a CONFIRMING hold goes back too: its confirm can no longer commit. Idempotent:
-- the hold entry leaves with its units.
-- KEYS[1] stock  KEYS[2] holds  KEYS[3] expiry zset  KEYS[4] limits  KEYS[5] confirming zset
-- ARGV[1] checkout id  ARGV[2] expiry member  ARGV[3] new state (RELEASED | EXPIRED)  ARGV[4] stock channel
-- ARGV[5] 'now' millis for EXPIRED (a hold is expired only if its time has come)  ARGV[6] product id
-- Returns 1 when units went back, 0 when there was nothing to give back, -1 when the hold is not expired yet.
--@include inventory_hold_entry.lua
-- A product Redis does not hold (lost, being rebuilt): giving units back would create a stock of just them, which a
-- hold would sell against. Nothing changes; the sweeper tries again once the product is loaded.
if redis.call('HEXISTS', KEYS[1], 'a') == 0 then return 0 end
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
  return 0
end
local h = parse_hold(v)
if h.state ~= 'HELD' and h.state ~= 'CONFIRMING' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
  return 0
end
if ARGV[3] == 'EXPIRED' and h.exp > tonumber(ARGV[5]) then return -1 end
local now = redis.call('HINCRBY', KEYS[1], 'a', h.q)
local held = redis.call('HINCRBY', KEYS[1], 'h', -h.q)
if held < 0 then redis.call('HSET', KEYS[1], 'h', 0) end
if h.limit > 0 then
  local field = h.user .. '|' .. h.event
  local used = redis.call('HINCRBY', KEYS[4], field, -h.q)
  if used <= 0 then redis.call('HDEL', KEYS[4], field) end
end
if now == h.q then redis.call('PUBLISH', ARGV[4], 'available|' .. ARGV[6]) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZREM', KEYS[5], ARGV[2])
return 1
