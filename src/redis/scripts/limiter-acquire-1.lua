--[[
  One admission decision of a limiter (worker/limiter.ts), atomic, on the Redis clock (so the
  processes of a fleet need not agree on the time):

    concurrent  a sorted set of leases (member = token, score = expiry ms); expired leases are
                dropped first, then a lease is granted while fewer than N are held. A lease of a
                process that died expires after lockTimeout.
    window      a sliding log (member = token, score = admission ms): at most N admissions in
                any `interval` ms.
    bucket      N admissions per fixed interval slot (the count key expires with its slot).
    leaky       a bucket of capacity N that drains N per interval, continuously (a hash with
                the level and the time it was last computed).

  Input:
    KEYS[1]  the limiter's state key
    ARGV[1]  kind, ARGV[2] N, ARGV[3] interval or lockTimeout in ms, ARGV[4] a unique token

  Output:
    { 1, 0 } admitted, or { 0, ms } refused, with a hint of how long until there may be room
]]
local kind, n, ms, token = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local t = redis.call("time")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1]

local function refuse(wait)
  return { 0, math.max(1, math.floor(wait)) }
end

if kind == "concurrent" or kind == "window" then
  local horizon = kind == "concurrent" and now or now - ms
  redis.call("zremrangebyscore", key, "-inf", horizon)
  if redis.call("zcard", key) < n then
    redis.call("zadd", key, kind == "concurrent" and now + ms or now, token)
    redis.call("pexpire", key, ms * 2)
    return { 1, 0 }
  end
  local first = redis.call("zrange", key, 0, 0, "withscores")
  local free_at = tonumber(first[2]) + (kind == "window" and ms or 0)
  return refuse(free_at - now)
elseif kind == "bucket" then
  local slot = math.floor(now / ms)
  local slot_key = key .. ":" .. slot
  local count = redis.call("incr", slot_key)
  if count == 1 then redis.call("pexpire", slot_key, ms * 2) end
  if count <= n then return { 1, 0 } end
  return refuse((slot + 1) * ms - now)
elseif kind == "leaky" then
  local level = tonumber(redis.call("hget", key, "level") or "0")
  local at = tonumber(redis.call("hget", key, "at") or now)
  level = math.max(0, level - (now - at) * n / ms)
  local admitted = level + 1 <= n
  if admitted then level = level + 1 end
  redis.call("hset", key, "level", tostring(level), "at", now)
  redis.call("pexpire", key, ms * 2)
  if admitted then return { 1, 0 } end
  return refuse((level + 1 - n) * ms / n)
end
return redis.error_reply("unknown limiter kind " .. tostring(kind))
