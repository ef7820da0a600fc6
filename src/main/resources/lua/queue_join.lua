-- A shopper joins an event's waiting room (one ticket per user and event).
-- KEYS: cfg, tickets, waiting, seq, admitted, puzzle-used mark
-- ARGV: user, new ticket id, now ms (empty = the Redis server's clock), random score in [0, 2^52), puzzle expiry ms
-- Before the start a joiner's place is a random number drawn by the app: ordered by it, everyone who pre-queued
-- stands in a uniformly random order at the start, decided by nothing they can influence. After the start a joiner
-- stands behind all of them, in arrival order (2^52 + arrival number).
-- Returns {'JOINED', ticket} | {'EXISTS', ticket} | {'NO_QUEUE'} | {'TOO_EARLY', opensAt} | {'CLOSED'} | {'REUSED'}
-- where ticket = "ticketId|joinedAt ms".
--@include clock.lua
local c = redis.call('HMGET', KEYS[1], 'on', 'start', 'end', 'pre')
if c[1] ~= '1' then
  return {'NO_QUEUE'}
end
local user = ARGV[1]
local now = clock(ARGV[3])
local starts = tonumber(c[2])
if now >= tonumber(c[3]) then
  return {'CLOSED'}
end
local existing = redis.call('HGET', KEYS[2], user)
if existing then
  if redis.call('ZSCORE', KEYS[3], user) then
    return {'EXISTS', existing}
  end
  local a = redis.call('HGET', KEYS[5], user)
  if a and tonumber(string.match(a, '^(%d+)')) > now then
    return {'EXISTS', existing}
  end
  -- That ticket's admission was used up: the shopper may queue anew, at the back.
end
if now < starts - tonumber(c[4]) then
  return {'TOO_EARLY', tostring(starts - tonumber(c[4]))}
end
local ttl = tonumber(ARGV[5]) - now
if ttl < 1 then
  ttl = 1
end
if not redis.call('SET', KEYS[6], '1', 'NX', 'PX', ttl) then
  return {'REUSED'}
end
local score
if now < starts then
  score = tonumber(ARGV[4])
else
  score = 4503599627370496 + redis.call('INCR', KEYS[4])
  -- A counter that went back (a failover lost writes) must not place anyone ahead of those already waiting.
  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  if last[2] and tonumber(last[2]) >= score then
    score = tonumber(last[2]) + 1
    redis.call('SET', KEYS[4], tostring(score - 4503599627370496))
  end
end
local ticket = ARGV[2] .. '|' .. string.format('%d', now)
redis.call('HSET', KEYS[2], user, ticket)
redis.call('ZADD', KEYS[3], score, user)
redis.call('HDEL', KEYS[5], user)
return {'JOINED', ticket}
