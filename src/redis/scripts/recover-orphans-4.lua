--[[
  Orphan recovery: when the process that owns an in-progress list is gone (its process hash,
  written by every heartbeat with a 60 s TTL, no longer exists), every job in the list goes back
  to the FRONT of its queue (the next to be popped), with its exact original string, and the list
  and its index entry are removed. Atomic, so it happens exactly once however many workers race.

  Input:
    KEYS[1]  the in-progress list
    KEYS[2]  the owner's process hash (<identity>)
    KEYS[3]  queue:<q>
    KEYS[4]  the in-progress index (a set)
    ARGV[1]  the list's member in the index

  Output:
    -1 if the owner is alive (nothing done), else the number of jobs requeued
]]
if redis.call("exists", KEYS[2]) == 1 then
  return -1
end
local jobs = redis.call("lrange", KEYS[1], 0, -1)
-- lrange lists newest first; pushing them right in that order leaves the oldest rightmost, so the
-- queue pops them in their original order. unpack() is limited, hence the chunks.
local n = #jobs
local i = 1
while i <= n do
  local last = math.min(i + 999, n)
  redis.call("rpush", KEYS[3], unpack(jobs, i, last))
  i = last + 1
end
redis.call("del", KEYS[1])
redis.call("srem", KEYS[4], ARGV[1])
return n
