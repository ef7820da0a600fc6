-- Ends confirms of one product, several checkouts at once. ARGV[1] = 'CONFIRMED': the database took the units, so
-- they leave 'held' for good (the user's limit keeps counting them) and the hold entry leaves. ARGV[1] = 'HELD': the
-- decrement did not happen; each hold goes back to waiting for its expiry.
-- KEYS[1] stock  KEYS[2] holds  KEYS[3] expiry zset  KEYS[4] confirming zset
-- ARGV[1] outcome, then pairs: checkout id, expiry member
-- Returns how many holds it applied to (a hold not confirming — already ended, or lost with a flush — is skipped).
--@include inventory_hold_entry.lua
local applied = 0
for i = 2, #ARGV, 2 do
  local id, member = ARGV[i], ARGV[i + 1]
  local v = redis.call('HGET', KEYS[2], id)
  if v then
    local h = parse_hold(v)
    if ARGV[1] == 'CONFIRMED' and (h.state == 'CONFIRMING' or h.state == 'HELD') then
      local held = redis.call('HINCRBY', KEYS[1], 'h', -h.q)
      if held < 0 then redis.call('HSET', KEYS[1], 'h', 0) end
      redis.call('HDEL', KEYS[2], id)
      redis.call('ZREM', KEYS[3], member)
      applied = applied + 1
    elseif ARGV[1] == 'HELD' and h.state == 'CONFIRMING' then
      redis.call('HSET', KEYS[2], id, encode_hold(h, 'HELD'))
      redis.call('ZADD', KEYS[3], h.exp, member)
      applied = applied + 1
    end
  end
  redis.call('ZREM', KEYS[4], member)
end
return applied
