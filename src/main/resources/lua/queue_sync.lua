-- Brings a waiting room's settings from PostgreSQL (the truth) into Redis, only when newer.
-- KEYS: cfg, waiting, admitted, active, seq
-- ARGV: version, enabled (1/0), startsAt ms, endsAt ms, admitPerMinute, maxActive, prequeue ms, admission ttl ms,
--       powBits, paused (1/0), generation, now ms
-- A newer generation ("queue everyone") sends every holder of a live admission to the back of the line, in the order
-- they were admitted, and makes their tokens worthless (a token names its generation).
-- Returns 1 when applied, 0 when Redis already had this version or a newer one.
local stored = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
local version = tonumber(ARGV[1])
if stored >= version then
  return 0
end
local gen = tonumber(ARGV[11])
local oldGen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'on', ARGV[2], 'start', ARGV[3], 'end', ARGV[4], 'rate', ARGV[5],
  'max', ARGV[6], 'pre', ARGV[7], 'ttl', ARGV[8], 'bits', ARGV[9], 'paused', ARGV[10])
if gen > oldGen then
  redis.call('HSET', KEYS[1], 'gen', ARGV[11])
  local all = redis.call('HGETALL', KEYS[3])
  local live = {}
  local now = tonumber(ARGV[12])
  for i = 1, #all, 2 do
    local exp, _, at = string.match(all[i + 1], '^(%d+)|(%d+)|(%d+)$')
    if exp and tonumber(exp) > now then
      table.insert(live, {all[i], tonumber(at)})
    end
  end
  table.sort(live, function(a, b) if a[2] == b[2] then return a[1] < b[1] end return a[2] < b[2] end)
  for _, entry in ipairs(live) do
    redis.call('ZADD', KEYS[2], 4503599627370496 + redis.call('INCR', KEYS[5]), entry[1])
  end
  redis.call('DEL', KEYS[3], KEYS[4])
elseif redis.call('HEXISTS', KEYS[1], 'gen') == 0 then
  redis.call('HSET', KEYS[1], 'gen', ARGV[11])
end
return 1
