--[[
  The scheduler's move: due jobs of a sorted set (`retry` or `schedule`) go onto their queues, in
  one atomic call per batch (Sidekiq's poller pops one job per round trip and pushes it in a
  second, separate step, which can lose the job in between). ZREM decides ownership, so a Ruby
  poller running beside us never gets the same job.

  The payload is never re-encoded (cjson would rewrite big integers and floats like 3.0): only
  the top-level "enqueued_at" value is replaced, or appended, by editing the string.

  Input:
    KEYS[1]  the sorted set (retry or schedule)
    KEYS[2]  queues (the set of known queue names)
    KEYS[3]  dead (where a member that is not a JSON object goes)
    ARGV[1]  now, epoch seconds (members with score <= now are due)
    ARGV[2]  the most jobs to move
    ARGV[3]  the queue key prefix ("queue:" or "<namespace>:queue:")
    ARGV[4]  the new enqueued_at value, as JSON text
    ARGV[5]  now as the dead-set score

  Output:
    the number of members taken from the set
]]
local jobs = redis.call("zrange", KEYS[1], "-inf", ARGV[1], "byscore", "limit", 0, tonumber(ARGV[2]))

-- Finds the raw value of a top-level key; nil if absent. The scanner jumps between the
-- characters that matter, so nested objects (ActiveJob args hold an "enqueued_at" of their own)
-- are skipped.
local function top_level_value(s, name)
  local depth = 0
  local expect_key = false
  local i = 1
  while true do
    local p = string.find(s, '[\"{}%[%],]', i)
    if not p then return nil end
    local c = string.sub(s, p, p)
    if c == '"' then
      local q = p + 1
      while true do
        local e = string.find(s, '[\\\"]', q)
        if not e then return nil end
        if string.sub(s, e, e) == "\\" then q = e + 2 else q = e; break end
      end
      if depth == 1 and expect_key then
        expect_key = false
        if string.sub(s, p + 1, q - 1) == name then
          local vstart = string.find(s, "[^%s:]", q + 1)
          if not vstart then return nil end
          local vend = string.find(s, "[,}%]%s]", vstart)
          if not vend then return nil end
          return vstart, vend - 1
        end
      end
      i = q + 1
    elseif c == "{" or c == "[" then
      depth = depth + 1
      expect_key = (c == "{" and depth == 1)
      i = p + 1
    elseif c == "}" or c == "]" then
      depth = depth - 1
      i = p + 1
    else -- ","
      if depth == 1 then expect_key = true end
      i = p + 1
    end
  end
end

for _, job in ipairs(jobs) do
  redis.call("zrem", KEYS[1], job)
  local ok, parsed = pcall(cjson.decode, job)
  if ok and type(parsed) == "table" and type(parsed["queue"]) == "string" and parsed["queue"] ~= "" then
    local out
    local vstart, vend = top_level_value(job, "enqueued_at")
    if vstart and string.match(string.sub(job, vstart, vend), "^%-?[%d%.eE%+%-]+$") then
      out = string.sub(job, 1, vstart - 1) .. ARGV[4] .. string.sub(job, vend + 1)
    else
      local close = string.find(job, "}%s*$")
      local body = string.sub(job, 1, close - 1)
      local sep = string.match(body, "{%s*$") and "" or ","
      out = body .. sep .. '"enqueued_at":' .. ARGV[4] .. string.sub(job, close)
    end
    redis.call("sadd", KEYS[2], parsed["queue"])
    redis.call("lpush", ARGV[3] .. parsed["queue"], out)
  else
    -- Not a job we can route: keep it where a human can see it rather than drop it.
    redis.call("zadd", KEYS[3], ARGV[5], job)
  end
end
return #jobs
