-- A hold entry of the holds hash: state|user|expiresAt|units|limit|event (the event may be empty).
local function parse_hold(v)
  local state, user, exp, q, limit, event = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  return {state = state, user = user, exp = tonumber(exp), q = tonumber(q), limit = tonumber(limit), event = event}
end
local function encode_hold(h, state)
  return state .. '|' .. h.user .. '|' .. h.exp .. '|' .. h.q .. '|' .. h.limit .. '|' .. h.event
end
