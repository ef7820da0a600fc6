-- An event's waiting-room figures for operators.
-- KEYS: cfg, waiting, admitted, active, admits
-- ARGV: now ms
-- Returns {waiting, admitted (ever, this generation), active (live tokens), admitted in the last minute}
--@include clock.lua
local now = clock(ARGV[1])
return {redis.call('ZCARD', KEYS[2]), redis.call('HLEN', KEYS[3]),
  redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf'), redis.call('ZCOUNT', KEYS[5], now - 60000, '+inf')}
