--[[
  Invalid UTF-8 quarantine. A job string with bytes that are not UTF-8 reaches JavaScript with
  those bytes replaced by U+FFFD, so its acknowledgement (LREM of the decoded string) can never
  match the stored bytes: the job would sit in the in-progress list for as long as the process
  lives and run again after every restart. The worker calls this when a fetched job contains
  U+FFFD; every element of the in-progress list that is not valid UTF-8 moves, with its exact
  bytes, to the dead set (as Sidekiq does with a payload it cannot parse), trimmed by the bounds
  the caller passes (core/dead-set.ts, Sidekiq's DeadSet#kill). Elements that are valid UTF-8 (a real U+FFFD) are left alone.

  Input:
    KEYS[1]  the in-progress list
    KEYS[2]  dead
    ARGV[1]  now, the dead-set score (epoch seconds)
    ARGV[2]  trim: remove scores up to this one, inclusive (now - 180 days)
    ARGV[3]  trim: ZREMRANGEBYRANK stop (negative: -10000 keeps the newest 9,999)

  Output:
    the moved job strings (raw bytes; the client decodes them as it decoded the fetched job)
]]
local function valid_utf8(s)
  local n = #s
  local i = string.find(s, "[\128-\255]")
  while i do
    local c = string.byte(s, i)
    local need, lo, hi = 0, 128, 191
    if c >= 194 and c <= 223 then
      need = 1
    elseif c == 224 then
      need, lo = 2, 160
    elseif c == 237 then
      need, hi = 2, 159 -- no UTF-16 surrogates
    elseif c >= 225 and c <= 239 then
      need = 2
    elseif c == 240 then
      need, lo = 3, 144
    elseif c >= 241 and c <= 243 then
      need = 3
    elseif c == 244 then
      need, hi = 3, 143 -- nothing above U+10FFFF
    else
      return false
    end
    if i + need > n then return false end
    local b = string.byte(s, i + 1)
    if b < lo or b > hi then return false end
    for k = 2, need do
      b = string.byte(s, i + k)
      if b < 128 or b > 191 then return false end
    end
    i = string.find(s, "[\128-\255]", i + need + 1)
  end
  return true
end

local out = {}
for _, job in ipairs(redis.call("lrange", KEYS[1], 0, -1)) do
  if not valid_utf8(job) then
    redis.call("lrem", KEYS[1], 1, job)
    redis.call("zadd", KEYS[2], ARGV[1], job)
    out[#out + 1] = job
  end
end
if #out > 0 then
  redis.call("zremrangebyscore", KEYS[2], "-inf", ARGV[2])
  redis.call("zremrangebyrank", KEYS[2], 0, ARGV[3])
end
return out
