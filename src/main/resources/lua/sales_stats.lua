-- Adds one order's figures to its minute buckets, once per event id (checked and applied together, so a
-- redelivered event cannot count twice). KEYS[1] the done-mark, then pairs (orders bucket, won bucket) per event.
-- ARGV[1] mark ttl, ARGV[2] bucket ttl, then per pair: orders delta, won delta. Returns 1 when applied, 0 if done.
-- A bucket gets its ttl when its first increment creates it (it lives ttl from then on), not at every order.
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) == false then return 0 end
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS, 2 do
  local j = 3 + (i - 2)
  for k = 0, 1 do
    -- (the argument as sent: a Lua number past 1e14 would reach Redis as '1e+17' and be refused)
    if redis.call('INCRBY', KEYS[i + k], ARGV[j + k]) == tonumber(ARGV[j + k]) then
      redis.call('EXPIRE', KEYS[i + k], ttl)
    end
  end
end
return 1
