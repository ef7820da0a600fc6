-- Gives a hold's units back. Called only once PostgreSQL says the checkout did not become an order (it left HELD, or
-- never got there), so a CONFIRMING hold goes back too: its confirm can no longer commit. Idempotent.
-- KEYS[1] available  KEYS[2] held  KEYS[3] the hold  KEYS[4] expiry zset  KEYS[5] the user's limits  KEYS[6] confirming zset
-- ARGV[1] expiry member  ARGV[2] new state (RELEASED | EXPIRED)  ARGV[3] stock channel
-- ARGV[4] 'now' millis for EXPIRED (a hold is expired only if its time has come)
-- Returns 1 when units went back, 0 when there was nothing to give back, -1 when the hold is not expired yet.
local state = redis.call('HGET', KEYS[3], 'state')
if not state then redis.call('ZREM', KEYS[4], ARGV[1]); return 0 end
if state ~= 'HELD' and state ~= 'CONFIRMING' then
  redis.call('ZREM', KEYS[4], ARGV[1])
  return 0
end
if ARGV[2] == 'EXPIRED' and tonumber(redis.call('HGET', KEYS[3], 'expiresAt')) > tonumber(ARGV[4]) then return -1 end
for entry in string.gmatch(redis.call('HGET', KEYS[3], 'items'), '[^;]+') do
  local p, q, limit, e = string.match(entry, '^(.-):(%d+):(%d+):(.*)$')
  q = tonumber(q)
  local now = redis.call('HINCRBY', KEYS[1], p, q)
  local held = redis.call('HINCRBY', KEYS[2], p, -q)
  if held < 0 then redis.call('HSET', KEYS[2], p, 0) end
  if tonumber(limit) > 0 then
    local used = redis.call('HINCRBY', KEYS[5], e .. '|' .. p, -q)
    if used <= 0 then redis.call('HDEL', KEYS[5], e .. '|' .. p) end
  end
  if now == q then redis.call('PUBLISH', ARGV[3], 'available|' .. p) end
end
redis.call('HSET', KEYS[3], 'state', ARGV[2])
redis.call('EXPIRE', KEYS[3], 86400)
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
return 1
