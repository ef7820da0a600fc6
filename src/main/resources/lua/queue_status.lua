-- One shopper's place in an event's waiting room.
-- KEYS: cfg, tickets, waiting, admitted
-- ARGV: user, now ms (empty = the Redis server's clock)
-- Returns {state, ticket, a, b}:
--   {'NONE'}                                  no ticket
--   {'CLOSED', ticket}                        the event ended or its queue was switched off
--   {'ADMITTED', ticket, expires ms, generation}
--   {'DONE', ticket}                          admitted before; that admission expired or was taken back
--   {'SOLD_OUT', ticket}                      nothing left to sell or hold: waiting is pointless
--   {'PREQUEUE', ticket, startsAt ms}
--   {'WAITING', ticket, rank (0-based), paused (1/0)}
--@include clock.lua
local c = redis.call('HMGET', KEYS[1], 'on', 'start', 'end', 'gen', 'soldout', 'paused')
local user = ARGV[1]
local now = clock(ARGV[2])
local ticket = redis.call('HGET', KEYS[2], user)
if not ticket then
  return {'NONE'}
end
if c[1] ~= '1' or now >= tonumber(c[3]) then
  return {'CLOSED', ticket}
end
local a = redis.call('HGET', KEYS[4], user)
if a then
  local exp, gen = string.match(a, '^(%d+)|(%d+)')
  if tonumber(exp) > now and gen == c[4] then
    return {'ADMITTED', ticket, exp, gen}
  end
end
local rank = redis.call('ZRANK', KEYS[3], user)
if not rank then
  return {'DONE', ticket}
end
if c[5] == '1' then
  return {'SOLD_OUT', ticket}
end
if now < tonumber(c[2]) then
  return {'PREQUEUE', ticket, c[2]}
end
return {'WAITING', ticket, rank, c[6] or '0'}
