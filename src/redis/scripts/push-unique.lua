--[[
  Unique push (edgekiq): takes each job's unique lock and pushes the job in one atomic call, so
  no two pushes of the same job (same lock key) can both land while the lock is held, whichever
  process, transport or host sends them. A job whose lock is already held is not pushed and is
  counted. Jobs of the batch without a lock are pushed as the plain push does.

  Input:
    KEYS[1]      queues (the set of known queue names)
    KEYS[2]      schedule
    KEYS[3]      the duplicates counter (edgekiq:unique:duplicates)
    KEYS[2+2i]   job i's lock key (edgekiq:unique:<digest>), or its queue key when it has no lock
    KEYS[3+2i]   job i's queue:<name> list
    ARGV[4i-3]   job i's queue name
    ARGV[4i-2]   job i's score (epoch seconds), empty for an immediate push
    ARGV[4i-1]   job i's JSON
    ARGV[4i]     job i's lock: "<ttl seconds>:<jid>" (the lock's value is the jid, so only the
                 job holding it releases it), or empty for no lock

  Output:
    one integer per job: 1 pushed, 0 duplicate (lock held, not pushed)
]]
local out = {}
for i = 1, (#KEYS - 3) / 2 do
  local lock = ARGV[4 * i]
  local take = true
  if lock ~= "" then
    local colon = string.find(lock, ":", 1, true)
    take = redis.call("set", KEYS[2 + 2 * i], string.sub(lock, colon + 1), "NX", "EX",
      string.sub(lock, 1, colon - 1))
  end
  if take then
    local score = ARGV[4 * i - 2]
    if score == "" then
      redis.call("sadd", KEYS[1], ARGV[4 * i - 3])
      redis.call("lpush", KEYS[3 + 2 * i], ARGV[4 * i - 1])
    else
      redis.call("zadd", KEYS[2], score, ARGV[4 * i - 1])
    end
    out[i] = 1
  else
    redis.call("incr", KEYS[3])
    out[i] = 0
  end
end
return out
