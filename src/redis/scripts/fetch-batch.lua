--[[
  Reliable batch fetch: acknowledges finished jobs (LREM of their exact strings from the
  in-progress lists) and moves up to N new jobs, in one atomic call, from the queues (in the order
  given) into this process's in-progress lists. A job never exists only in process memory: it is
  either on its queue or in an in-progress list until it is acknowledged. Carrying the acks in the
  same call saves a round trip and a command per job.

  Input:
    KEYS[2i-1]  queue:<q_i>                      (strict or shuffled order, decided by the caller)
    KEYS[2i]    the in-progress list for queue i
    ARGV[1]     N, the most jobs to move (0: acknowledge only)
    ARGV[2]     A, the number of acknowledgements that follow
    ARGV[2+2j-1], ARGV[2+2j]   (j = 1..A) the KEYS index of an in-progress list, a job string

  Output:
    flat array { i, job, i, job, ... }: the 1-based queue index and the exact job string
]]
local limit = tonumber(ARGV[1])
local acks = tonumber(ARGV[2])
for j = 1, acks do
  -- From the tail (-1): the oldest jobs sit there, and they usually finish first.
  redis.call("lrem", KEYS[tonumber(ARGV[1 + 2 * j])], -1, ARGV[2 + 2 * j])
end
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
