-- Ends a confirm. ARGV[2] = 'CONFIRMED': the database took the units, so they leave 'held' for good (the user's limit
-- keeps counting them). ARGV[2] = 'HELD': the decrement did not happen; the hold goes back to waiting for its expiry.
-- KEYS[1] held  KEYS[2] the hold  KEYS[3] expiry zset  KEYS[4] confirming zset
-- ARGV[1] expiry member
-- Returns 1 when applied, 0 when the hold was not confirming (already ended, or lost with a Redis flush).
local state = redis.call('HGET', KEYS[2], 'state')
if state ~= 'CONFIRMING' and not (state == 'HELD' and ARGV[2] == 'CONFIRMED') then
  redis.call('ZREM', KEYS[4], ARGV[1])
  return 0
end
if ARGV[2] == 'CONFIRMED' then
  for entry in string.gmatch(redis.call('HGET', KEYS[2], 'items'), '[^;]+') do
    local p, q = string.match(entry, '^(.-):(%d+):')
    local held = redis.call('HINCRBY', KEYS[1], p, -tonumber(q))
    if held < 0 then redis.call('HSET', KEYS[1], p, 0) end
  end
  redis.call('HSET', KEYS[2], 'state', 'CONFIRMED')
  redis.call('EXPIRE', KEYS[2], 86400)
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[2], 'state', 'HELD')
  redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[2], 'expiresAt'), ARGV[1])
end
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
