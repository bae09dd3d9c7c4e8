--[[
  Batches and job results (edgekiq): the one script that writes a batch's bookkeeping, so every
  count and every callback happens in the same atomic step as the job write it belongs to.

  ARGV[1] is the operation, ARGV[2] the key prefix ("" or "<namespace>:"). Keys are built here
  from the prefix (as enqueue-due builds queue keys), so this script is for a single Redis, not a
  cluster.

  "finish": a worker finishes jobs that carry a `bid` or a `result_ttl`. Per job, in one call:
    the acknowledgement (LREM of its exact string from the in-progress list), its retry or dead
    writes (passed as commands), the stored result or final error, and the batch step. The
    bookkeeping happens only when the LREM removed the job: a run whose job was already
    acknowledged, or handed to another process by orphan recovery, counts nothing, so a
    `kill -9` at any point neither loses a count (nothing was written) nor counts twice.
    ARGV[3] = job count, then per job:
      in-progress key, job string, jid, bid ("" none), outcome ("ok" | "retry" | "dead"),
      result ttl (0 none), result or error JSON, command count, then per command: argc, argv...

  "add": registers jobs in a batch and pushes them, atomically (a job is counted before any
    worker can see it), creating the batch on first use, then checks it (an empty batch
    completes at once).
    ARGV[3] bid, ARGV[4] expiry seconds, ARGV[5] parent bid ("" none), ARGV[6] meta pair count M,
    then M field/value pairs (set only when the batch is new), then job count, then per job:
    jid, queue, job string.

  Batch keys (each under "edgekiq:"): b-<bid> (hash: description, created_at, total, failures, parent, cb_<event> and
  cbq_<event>, complete_at, success_at, death_at, settled_at), b-<bid>-jids (pending members:
  jids, and "b:<child bid>" for child batches), b-<bid>-failinfo (member -> last error JSON, the
  members failing now), b-<bid>-died (members that died), b-<bid>-kids (child bids), and the
  index edgekiq:batches (bid scored by its expiry time).

  Events, each fired at most once per batch (HSETNX on its *_at field): complete (every pending
  member is failing: everything ran at least once), success (nothing pending), death (a member
  died), settled (every pending member died: what a flow that ignores deaths waits for). A
  callback is a job payload stored at creation; firing it pushes it with a fresh enqueued_at.
  A child batch is a member of its parent: its success is the member's success, its completion
  with failures the member's failure, its death the member's death.
]]
local op = ARGV[1]
local prefix = ARGV[2]
local t = redis.call("time")
local now = t[1] .. "." .. string.format("%06d", tonumber(t[2]))

-- Under edgekiq's own key space, not Sidekiq Pro's `b-<bid>`: a Pro batch's jobs running here must
-- never touch Pro's bookkeeping.
local function bkey(bid) return prefix .. "edgekiq:b-" .. bid end

local function fire(b, event)
  local p = redis.call("hget", b, "cb_" .. event)
  if not p then return end
  local q = redis.call("hget", b, "cbq_" .. event)
  p = string.sub(p, 1, -2) .. ',"enqueued_at":' .. now .. "}"
  redis.call("sadd", prefix .. "queues", q)
  redis.call("lpush", prefix .. "queue:" .. q, p)
end

-- Keys created after the batch (failinfo, died) take the batch's remaining lifetime.
local function touch(b, key)
  local ttl = redis.call("ttl", b)
  if ttl > 0 then redis.call("expire", key, ttl) end
end

local step

local function check(bid)
  local b = bkey(bid)
  local pending = redis.call("scard", b .. "-jids")
  local failing = redis.call("hlen", b .. "-failinfo")
  local parent = redis.call("hget", b, "parent")
  if pending == failing and redis.call("hsetnx", b, "complete_at", now) == 1 then
    fire(b, "complete")
    if parent and pending > 0 then
      step(parent, "b:" .. bid, "retry",
        cjson.encode({ error_class = "BatchIncomplete", error_message = "child batch " .. bid ..
          " completed with " .. pending .. " failing" }))
    end
  end
  if pending == redis.call("scard", b .. "-died") and redis.call("hsetnx", b, "settled_at", now) == 1 then
    fire(b, "settled")
  end
  if pending == 0 and redis.call("hsetnx", b, "success_at", now) == 1 then
    fire(b, "success")
    if parent then step(parent, "b:" .. bid, "ok", nil) end
  end
end

step = function(bid, member, outcome, err)
  local b = bkey(bid)
  if redis.call("exists", b) == 0 then return end -- expired or unknown: nothing to count
  if outcome == "ok" then
    if redis.call("srem", b .. "-jids", member) == 0 then return end
    redis.call("hdel", b .. "-failinfo", member)
  else
    if redis.call("sismember", b .. "-jids", member) == 0 then return end
    redis.call("hset", b .. "-failinfo", member, err)
    touch(b, b .. "-failinfo")
    redis.call("hincrby", b, "failures", 1)
    if outcome == "dead" and redis.call("sadd", b .. "-died", member) == 1 then touch(b, b .. "-died") end
    if outcome == "dead" and redis.call("hsetnx", b, "death_at", now) == 1 then
      fire(b, "death")
      local parent = redis.call("hget", b, "parent")
      if parent then step(parent, "b:" .. bid, "dead", err) end
    end
  end
  check(bid)
end

local FAILURE_COMMANDS = { zadd = true, zremrangebyscore = true, zremrangebyrank = true }

if op == "finish" then
  -- First check every command (before any write), so a refused call changes nothing.
  local i = 4
  for _ = 1, tonumber(ARGV[3]) do
    local ncmd = tonumber(ARGV[i + 7])
    i = i + 8
    for _ = 1, ncmd do
      local argc = tonumber(ARGV[i])
      -- Only the retry and dead writes a failure plan makes: a caller of this script (a bridge
      -- token allowed edgekiq's own scripts) can run nothing else through it.
      local name, key = string.lower(ARGV[i + 1]), ARGV[i + 2]
      if not FAILURE_COMMANDS[name] or (key ~= prefix .. "retry" and key ~= prefix .. "dead") then
        return redis.error_reply("ERR batch-step: " .. name .. " is not a retry or dead write")
      end
      i = i + argc + 1
    end
  end
  i = 4
  for _ = 1, tonumber(ARGV[3]) do
    local ip, job, jid, bid, outcome = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
    local ttl, value, ncmd = tonumber(ARGV[i + 5]), ARGV[i + 6], tonumber(ARGV[i + 7])
    i = i + 8
    local removed = redis.call("lrem", ip, -1, job)
    for _ = 1, ncmd do
      local argc = tonumber(ARGV[i])
      redis.call(unpack(ARGV, i + 1, i + argc))
      i = i + argc + 1
    end
    if removed > 0 then
      if ttl > 0 and outcome ~= "retry" then
        redis.call("set", prefix .. "edgekiq:result:" .. jid, value, "EX", ttl)
      end
      if bid ~= "" then step(bid, jid, outcome, value) end
    end
  end
  return 1
end

if op == "add" then
  local bid, ttl, parent = ARGV[3], tonumber(ARGV[4]), ARGV[5]
  local b = bkey(bid)
  local fresh = redis.call("exists", b) == 0
  local i = 7
  if fresh then
    redis.call("hset", b, "created_at", now, "total", 0, "failures", 0)
    for _ = 1, tonumber(ARGV[6]) do
      redis.call("hset", b, ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    if parent ~= "" and redis.call("exists", bkey(parent)) == 1 then
      local pb = bkey(parent)
      redis.call("hset", b, "parent", parent)
      redis.call("sadd", pb .. "-jids", "b:" .. bid)
      redis.call("sadd", pb .. "-kids", bid)
      redis.call("hincrby", pb, "total", 1)
    end
  else
    i = i + 2 * tonumber(ARGV[6])
  end
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    local jid, q, job = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    i = i + 3
    redis.call("sadd", b .. "-jids", jid)
    redis.call("sadd", prefix .. "queues", q)
    redis.call("lpush", prefix .. "queue:" .. q, job)
  end
  redis.call("hincrby", b, "total", n)
  for _, k in ipairs({ b, b .. "-jids", b .. "-failinfo", b .. "-died", b .. "-kids" }) do
    redis.call("expire", k, ttl)
  end
  local index = prefix .. "edgekiq:batches"
  redis.call("zadd", index, tonumber(t[1]) + ttl, bid)
  redis.call("zremrangebyscore", index, "-inf", "(" .. t[1])
  check(bid)
  return n
end

return redis.error_reply("ERR batch-step: unknown operation " .. tostring(op))
