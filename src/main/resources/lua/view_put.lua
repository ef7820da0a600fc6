-- Stores a view only if it is newer than the stored one, then announces it.
-- KEYS[1] view hash (v = version, d = encoded view)
-- ARGV[1] version, ARGV[2] encoded view, ARGV[3] invalidation channel, ARGV[4] ttl seconds (0 = none)
-- Returns 1 when written, 0 when the stored version is the same or newer.
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
local ttl = tonumber(ARGV[4])
if ttl and ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
end
redis.call('PUBLISH', ARGV[3], KEYS[1] .. '|' .. ARGV[1])
return 1
