-- Included by the scripts that take a time: clock(ARGV[i]) is that argument in ms, or, when it is empty, the Redis
-- server's clock — one clock for every instance (instances' clocks drift; a pace or a bucket must not). Tests pass
-- their own time.
local function clock(arg)
  local n = tonumber(arg)
  if n then
    return n
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
