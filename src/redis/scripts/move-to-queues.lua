--[[
  The API's "retry now" and "add to queue": moves jobs from a sorted set (schedule, retry, dead)
  to their queues, each only if ZREM says it was still in the set, so an action racing the
  scheduler, a worker or a second operator neither loses the job nor pushes it twice. (Sidekiq's
  `remove_job` does ZRANGEBYSCORE + ZREMRANGEBYSCORE and re-adds the others: a crash in between
  loses jobs.) Jobs are named by their exact stored strings.

  Input:
    KEYS[1]      the sorted set the jobs leave
    KEYS[2]      queues
    KEYS[2 + i]  queue:<q> of job i
    ARGV[3i-2]   job i as stored in KEYS[1]
    ARGV[3i-1]   job i's queue name (added to `queues`)
    ARGV[3i]     the payload to push (the stored one with a fresh enqueued_at)

  Output:
    the number of jobs moved
]]
local moved = 0
for i = 3, #KEYS do
  local a = (i - 3) * 3
  if redis.call("zrem", KEYS[1], ARGV[a + 1]) == 1 then
    redis.call("sadd", KEYS[2], ARGV[a + 2])
    redis.call("lpush", KEYS[i], ARGV[a + 3])
    moved = moved + 1
  end
end
return moved
