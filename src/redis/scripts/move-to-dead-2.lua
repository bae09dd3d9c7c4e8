--[[
  The API's "kill": moves jobs, unchanged, from a sorted set (schedule, retry) to the dead set,
  each only if ZREM says it was still there (see move-to-queues.lua for why), then trims the dead
  set by the bounds the caller passes (core/dead-set.ts, Sidekiq's DeadSet#kill).

  Input:
    KEYS[1]  the sorted set the jobs leave
    KEYS[2]  dead
    ARGV[1]  now, the dead-set score (epoch seconds)
    ARGV[2]  trim: remove scores up to this one, inclusive (now - 180 days)
    ARGV[3]  trim: ZREMRANGEBYRANK stop (negative: -10000 keeps the newest 9,999)
    ARGV[4..] the jobs as stored in KEYS[1]

  Output:
    the number of jobs moved
]]
local moved = 0
for i = 4, #ARGV do
  if redis.call("zrem", KEYS[1], ARGV[i]) == 1 then
    redis.call("zadd", KEYS[2], ARGV[1], ARGV[i])
    moved = moved + 1
  end
end
if moved > 0 then
  redis.call("zremrangebyscore", KEYS[2], "-inf", ARGV[2])
  redis.call("zremrangebyrank", KEYS[2], 0, ARGV[3])
end
return moved
