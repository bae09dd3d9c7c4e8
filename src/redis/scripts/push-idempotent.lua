-- Idempotent push (edgekiq): pushes each job at most once per jid, so a retried request (the
-- @upstash/redis client resends a command whose response was lost) cannot enqueue a job twice.
-- KEYS[1] = queues set, KEYS[2] = schedule zset, then per job i: KEYS[1+2i] = its pushed:<jid>
-- marker, KEYS[2+2i] = its queue:<name> list.
-- ARGV[1] = marker ttl in seconds, then per job i: ARGV[3i-1] = queue name, ARGV[3i] = score
-- (empty for an immediate push), ARGV[3i+1] = the job's JSON.
-- Returns how many jobs were pushed (jobs whose marker already existed are skipped).
local ttl = ARGV[1]
local pushed = 0
for i = 1, (#KEYS - 2) / 2 do
  if redis.call("set", KEYS[1 + 2 * i], "1", "NX", "EX", ttl) then
    local score = ARGV[3 * i]
    if score == "" then
      redis.call("sadd", KEYS[1], ARGV[3 * i - 1])
      redis.call("lpush", KEYS[2 + 2 * i], ARGV[3 * i + 1])
    else
      redis.call("zadd", KEYS[2], score, ARGV[3 * i + 1])
    end
    pushed = pushed + 1
  end
end
return pushed
