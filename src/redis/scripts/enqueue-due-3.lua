--[[
  The scheduler's move: due jobs of a sorted set (`retry` or `schedule`) go onto their queues, in
  one atomic call per batch (Sidekiq's poller pops one job per round trip and pushes it in a
  second, separate step, which can lose the job in between). ZREM decides ownership, so a Ruby
  poller running beside us never gets the same job.

  The payload is never decoded as a whole: Redis's cjson refuses valid JSON (nesting past 1,000
  levels, escaped lone surrogates such as "\ud800") and would rewrite big integers and floats
  like 3.0. One linear scan finds the top-level "queue" and "enqueued_at" members, tracking
  depth over a copy with escapes blanked (so a quote inside a string never ends it), and the
  top-level "enqueued_at" value is replaced, or appended, by editing the string. A member that
  is not a JSON object with a non-empty string "queue" goes to `dead`. The scan checks
  structure (balanced brackets, terminated strings, one object), not every JSON rule: a member
  that passes it but is still not JSON reaches its queue, and the worker sends it to `dead` with
  the reason.

  Input:
    KEYS[1]  the sorted set (retry or schedule)
    KEYS[2]  queues (the set of known queue names)
    KEYS[3]  dead (where a member that is not a routable job goes)
    ARGV[1]  now, epoch seconds (members with score <= now are due)
    ARGV[2]  the most jobs to move
    ARGV[3]  the queue key prefix ("queue:" or "<namespace>:queue:")
    ARGV[4]  the new enqueued_at value, as JSON text
    ARGV[5]  now as the dead-set score

  Output:
    the number of members taken from the set
]]
local jobs = redis.call("zrange", KEYS[1], "-inf", ARGV[1], "byscore", "limit", 0, tonumber(ARGV[2]))

local QUOTE, COLON, OPEN_BRACE, OPEN_BRACKET = 34, 58, 123, 91

-- `s` with every escape pair (a backslash and the byte after it) blanked: same length, same
-- indices, and every quote left in it opens or closes a string, so finding a string's end is one
-- plain find in C however many escapes the payload holds.
local function blank_escapes(s)
  if not string.find(s, "\\", 1, true) then return s end
  return (string.gsub(s, "\\.", "__"))
end

local function utf8_char(cp)
  if cp < 0x80 then return string.char(cp) end
  if cp < 0x800 then return string.char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40) end
  if cp < 0x10000 then
    return string.char(0xE0 + math.floor(cp / 0x1000), 0x80 + math.floor(cp / 0x40) % 0x40,
      0x80 + cp % 0x40)
  end
  return string.char(0xF0 + math.floor(cp / 0x40000), 0x80 + math.floor(cp / 0x1000) % 0x40,
    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local ESCAPES = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r",
  t = "\t" }

-- The text of a JSON string's body (between its quotes), or nil if an escape is malformed. A
-- lone surrogate becomes U+FFFD, as JavaScript's UTF-8 encoders write it, so a queue key built
-- here is the one the engine's clients use for the same name.
local function unescape(body)
  if not string.find(body, "\\", 1, true) then return body end
  local out, i = {}, 1
  while true do
    local b = string.find(body, "\\", i, true)
    if not b then
      out[#out + 1] = string.sub(body, i)
      return table.concat(out)
    end
    out[#out + 1] = string.sub(body, i, b - 1)
    local c = string.sub(body, b + 1, b + 1)
    if c == "u" then
      local hex = string.match(body, "^%x%x%x%x", b + 2)
      if not hex then return nil end
      local cp = tonumber(hex, 16)
      i = b + 6
      if cp >= 0xD800 and cp <= 0xDBFF then
        local low = tonumber(string.match(body, "^\\u(%x%x%x%x)", i) or "", 16)
        if low and low >= 0xDC00 and low <= 0xDFFF then
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (low - 0xDC00)
          i = i + 6
        else
          cp = 0xFFFD
        end
      elseif cp >= 0xDC00 and cp <= 0xDFFF then
        cp = 0xFFFD
      end
      out[#out + 1] = utf8_char(cp)
    else
      if not ESCAPES[c] then return nil end
      out[#out + 1] = ESCAPES[c]
      i = b + 2
    end
  end
end

-- The queue of member `s` and the member to push (with a fresh enqueued_at), or nil. Duplicate
-- top-level keys resolve to the last one, as JSON.parse and Ruby's JSON.parse read them.
local function route(s)
  local open = string.find(s, "%S")
  if not open or string.byte(s, open) ~= OPEN_BRACE then return nil end
  local plain = blank_escapes(s)
  local depth, i, close = 0, open, nil
  local queue_at, enqueued_at -- where the values of those top-level members start
  while not close do
    local p = string.find(plain, '[\"{}%[%]]', i)
    if not p then return nil end
    local c = string.byte(plain, p)
    if c == QUOTE then
      local q = string.find(plain, '"', p + 1, true)
      if not q then return nil end
      -- At depth 1 a string followed by ":" is a key of the job object itself.
      if depth == 1 then
        local colon = string.find(plain, "%S", q + 1)
        if colon and string.byte(plain, colon) == COLON then
          local name = unescape(string.sub(s, p + 1, q - 1))
          if name == "queue" then
            queue_at = string.find(plain, "%S", colon + 1)
          elseif name == "enqueued_at" then
            enqueued_at = string.find(plain, "%S", colon + 1)
          end
        end
      end
      i = q + 1
    elseif c == OPEN_BRACE or c == OPEN_BRACKET then
      depth = depth + 1
      i = p + 1
    else
      depth = depth - 1
      if depth == 0 then close = p end
      i = p + 1
    end
  end
  if string.find(plain, "%S", close + 1) then return nil end
  if not queue_at or string.byte(plain, queue_at) ~= QUOTE then return nil end
  local queue_end = string.find(plain, '"', queue_at + 1, true)
  local queue = queue_end and unescape(string.sub(s, queue_at + 1, queue_end - 1))
  if not queue or queue == "" then return nil end

  if enqueued_at then
    local vend = string.find(plain, "[,}%]%s]", enqueued_at)
    if vend and string.match(string.sub(s, enqueued_at, vend - 1), "^%-?[%d%.eE%+%-]+$") then
      return queue, string.sub(s, 1, enqueued_at - 1) .. ARGV[4] .. string.sub(s, vend)
    end
  end
  local sep = string.find(plain, "%S", open + 1) == close and "" or ","
  return queue, string.sub(s, 1, close - 1) .. sep .. '"enqueued_at":' .. ARGV[4] ..
    string.sub(s, close)
end

for _, job in ipairs(jobs) do
  redis.call("zrem", KEYS[1], job)
  -- pcall: whatever a member holds, the script goes on, so no job of the batch is half-moved.
  local ok, queue, out = pcall(route, job)
  if ok and queue then
    redis.call("sadd", KEYS[2], queue)
    redis.call("lpush", ARGV[3] .. queue, out)
  else
    -- Not a job we can route: keep it where a human can see it rather than drop it.
    redis.call("zadd", KEYS[3], ARGV[5], job)
  end
end
return #jobs
