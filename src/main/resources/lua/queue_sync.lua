-- Brings a waiting room's settings from PostgreSQL (the truth) into Redis, only when newer.
-- KEYS: cfg, waiting, admitted, active, seq
-- ARGV: version, enabled (1/0), startsAt ms, endsAt ms, admitPerMinute, maxActive, prequeue ms, admission ttl ms,
--       powBits, paused (1/0), generation, now ms
-- A newer generation ("queue everyone") sends every holder of a live admission to the back of the line, in the order
-- they were admitted, and makes their tokens worthless (a token names its generation).
-- A generation never goes back: Redis keeps the larger of its own and PostgreSQL's.
-- Returns 1 when applied, 0 when Redis already had this version or a newer one.
--@include clock.lua
local stored = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
local version = tonumber(ARGV[1])
if stored >= version then
  return 0
end
local gen = tonumber(ARGV[11])
local now = clock(ARGV[12])
local oldGen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'on', ARGV[2], 'start', ARGV[3], 'end', ARGV[4], 'rate', ARGV[5],
  'max', ARGV[6], 'pre', ARGV[7], 'ttl', ARGV[8], 'bits', ARGV[9], 'paused', ARGV[10])
if gen > oldGen then
  redis.call('HSET', KEYS[1], 'gen', ARGV[11])
  -- The live admissions, by expiry: the order they were admitted in (one generation shares one lifetime).
  local live = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. now, '+inf')
  for _, user in ipairs(live) do
    redis.call('ZADD', KEYS[2], 4503599627370496 + redis.call('INCR', KEYS[5]), user)
  end
  redis.call('DEL', KEYS[3], KEYS[4])
elseif redis.call('HEXISTS', KEYS[1], 'gen') == 0 then
  redis.call('HSET', KEYS[1], 'gen', ARGV[11])
end
return 1
