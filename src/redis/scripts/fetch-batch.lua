--[[
  Reliable batch fetch: moves up to N jobs, in one atomic call, from the queues (in the order
  given) into this process's in-progress lists. A job never exists only in process memory: it is
  either on its queue or in an in-progress list until it is acknowledged.

  Input:
    KEYS[2i-1]  queue:<q_i>                      (strict or shuffled order, decided by the caller)
    KEYS[2i]    the in-progress list for queue i
    ARGV[1]     N, the most jobs to move

  Output:
    flat array { i, job, i, job, ... }: the 1-based queue index and the exact job string
]]
local limit = tonumber(ARGV[1])
local out = {}
local taken = 0
for i = 1, #KEYS, 2 do
  while taken < limit do
    -- RIGHT of the queue is its oldest job (clients LPUSH); LEFT of the in-progress list is newest.
    local job = redis.call("lmove", KEYS[i], KEYS[i + 1], "RIGHT", "LEFT")
    if not job then break end
    out[#out + 1] = (i + 1) / 2
    out[#out + 1] = job
    taken = taken + 1
  end
  if taken >= limit then break end
end
return out
