--[[
  One periodic entry's tick (edgekiq, issue 15): the marker and the push in one atomic call, so
  any number of processes (workers, edge cron triggers) may send the same tick and one job lands.

  A tick is named by its scheduled time (epoch ms), never by the clock of whoever sends it. The
  marker is the newest tick time this entry has enqueued; it only moves forward, so a sender whose
  clock is a few seconds off (early or late) finds its tick already taken and pushes nothing. A
  sender that dies before this call changed nothing; one that dies after it has done all of it.

  Input:
    KEYS[1]  queues (the set of known queue names)
    KEYS[2]  queue:<q>, the entry's queue list
    KEYS[3]  edgekiq:periodic:<name>, the entry's state hash (last, paused, def)
    KEYS[4]  edgekiq:periodic-runs:<name>, the newest runs, newest first
    KEYS[5]  edgekiq:periodic, the registry: name -> until when some process declares it (ms)
    ARGV[1]  the entry's name
    ARGV[2]  the queue name
    ARGV[3]  for an entry with no marker yet: only its latest tick may be pushed, and only if it
             is after this time (ms), so a new daily entry deployed at noon does not run the
             02:30 tick; older ticks are only recorded
    ARGV[4]  how many runs to keep in KEYS[4]
    ARGV[5]  the entry's definition (JSON) to declare, or "" to declare nothing
    ARGV[6]  the registry score for a declaration (ms), or ""
    ARGV[7]  now (ms), recorded with each run
    ARGV[8..] triples, ticks ascending: tick time (ms), jid, the job's JSON

  Output:
    { jobs pushed, the marker after the call (-1 if none), 1 if the entry is paused else 0 }
]]
if ARGV[5] ~= "" then
  redis.call("hset", KEYS[3], "def", ARGV[5])
  redis.call("persist", KEYS[3])
  redis.call("persist", KEYS[4])
  redis.call("zadd", KEYS[5], "GT", ARGV[6], ARGV[1])
  -- ZADD GT does not add a member that is missing; add it then.
  redis.call("zadd", KEYS[5], "NX", ARGV[6], ARGV[1])
end

local last = tonumber(redis.call("hget", KEYS[3], "last") or "")
local paused = redis.call("hget", KEYS[3], "paused") == "1"
local floor = last
if not floor then
  -- A new entry starts with its latest tick only (never a backlog), and only if it is recent.
  floor = tonumber(ARGV[3])
  if #ARGV >= 10 then floor = math.max(floor, tonumber(ARGV[#ARGV - 2]) - 1) end
end
local newest = last
local pushed = 0

for i = 8, #ARGV, 3 do
  local tick = tonumber(ARGV[i])
  if tick > floor then
    if not paused then
      redis.call("sadd", KEYS[1], ARGV[2])
      redis.call("lpush", KEYS[2], ARGV[i + 2])
      redis.call("lpush", KEYS[4], '{"at":' .. string.format("%d", tick) .. ',"jid":' ..
        cjson.encode(ARGV[i + 1]) .. ',"enqueued_at":' .. string.format("%d", ARGV[7]) .. '}')
      pushed = pushed + 1
    end
    floor = tick
  end
  if not newest or tick > newest then newest = tick end
end

if newest and newest ~= last then redis.call("hset", KEYS[3], "last", newest) end
if pushed > 0 then redis.call("ltrim", KEYS[4], 0, tonumber(ARGV[4]) - 1) end
return { pushed, newest or -1, paused and 1 or 0 }
