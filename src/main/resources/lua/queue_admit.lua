-- Lets the front of an event's line in, at the configured pace. Every instance calls this on its own timer; the pace
-- lives here, computed from time, so any number of callers admit exactly admitPerMinute between them.
-- KEYS: cfg, pace, waiting, admitted, active, admits
-- ARGV: now ms (empty = the Redis server's clock), most to admit in this call, sold out ('1', '0', or '' when unknown)
-- Credit accrues at admitPerMinute / 60000 per ms since the start, never beyond a quarter second of quota, and never
-- while paused or sold out; credit the line or maxActive left unused is dropped (so a pause, an empty line, a freed
-- slot or a late timer never turns into a burst).
-- Returns {admitted now, still waiting}.
--@include clock.lua
local c = redis.call('HMGET', KEYS[1], 'on', 'start', 'end', 'rate', 'max', 'ttl', 'paused', 'gen', 'soldout')
local now = clock(ARGV[1])
if ARGV[3] ~= '' and ARGV[3] ~= c[9] then
  redis.call('HSET', KEYS[1], 'soldout', ARGV[3])
  c[9] = ARGV[3]
end
local waiting = redis.call('ZCARD', KEYS[3])
if c[1] ~= '1' then
  return {0, waiting}
end
local starts = tonumber(c[2])
local p = redis.call('HMGET', KEYS[2], 'credit', 'ms')
local credit = tonumber(p[1]) or 0
local last = tonumber(p[2]) or starts
if last < starts then
  last = starts
end
if now < starts or now >= tonumber(c[3]) or c[7] == '1' or c[9] == '1' then
  -- Nothing accrues: admission starts from zero when it starts again.
  redis.call('HSET', KEYS[2], 'credit', '0', 'ms', tostring(math.max(now, last)))
  return {0, waiting}
end
if now <= last then
  -- Another instance ticked at this moment (or a clock runs behind): nothing new has accrued.
  return {0, waiting}
end
local rate = tonumber(c[4])
-- A quarter second of quota at most is banked: a late tick catches up, but no one-second window ever sees more than
-- 1.25 s of quota.
local cap = math.max(1, rate / 240)
credit = math.min(cap, credit + (now - last) * rate / 60000)
local paced = math.floor(credit)
local n = paced
local max = tonumber(c[5])
if max > 0 and n > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
  n = math.min(n, max - redis.call('ZCARD', KEYS[5]))
end
n = math.max(0, math.min(n, tonumber(ARGV[2]), waiting))
local admitted = 0
if n > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[3], n)
  local exp = now + tonumber(c[6])
  local value = tostring(exp) .. '|' .. c[8] .. '|' .. tostring(now)
  for i = 1, #popped, 2 do
    redis.call('HSET', KEYS[4], popped[i], value)
    redis.call('ZADD', KEYS[5], exp, popped[i])
    redis.call('ZADD', KEYS[6], now, popped[i])
    admitted = admitted + 1
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - 60000)
end
credit = credit - admitted
if admitted < paced then
  -- The line or maxActive held admission back: what was not used is not saved up for a burst later.
  credit = math.min(credit, 1)
end
redis.call('HSET', KEYS[2], 'credit', tostring(credit), 'ms', tostring(now))
return {admitted, waiting - admitted}
