-- Token bucket: take one token from KEYS[1], or say how long until one is there.
-- KEYS[1] bucket hash {t = tokens (fractional), ms = last refill}
-- ARGV: rate (tokens per second), burst (bucket size), now (ms; empty = the Redis server's clock)
-- Returns {1, 0} when allowed, {0, millis until a token} when refused. A refused call changes nothing but the refill.
--@include clock.lua
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = clock(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'ms')
local tokens = tonumber(b[1])
local last = tonumber(b[2])
if tokens == nil or last == nil then
  tokens = burst
  last = now
end
-- Instances' clocks differ a little: time never runs backwards for a bucket.
if now > last then
  tokens = math.min(burst, tokens + (now - last) * rate / 1000)
  last = now
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ms', tostring(last))
-- A full bucket is the same as no bucket: let idle ones go.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait}
