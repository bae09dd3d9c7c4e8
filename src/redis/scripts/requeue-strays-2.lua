--[[
  Puts stranded jobs of a live process back on their queue. A job is stranded when Redis moved
  it into the in-progress list but the reply never reached the worker (the connection dropped
  after the script or BLMOVE ran, and the client re-sent the command, which moved other jobs).
  The worker passes the strings it found in its list, twice in a row an orphan-check interval
  apart, without holding them. Each one goes back to the FRONT of its queue, only if it is still
  in the list (a late acknowledgement may have removed it meanwhile): never twice, never lost.

  Input:
    KEYS[1]  the in-progress list
    KEYS[2]  queue:<q>
    ARGV     the stranded job strings

  Output:
    the number of jobs put back
]]
local n = 0
for i = 1, #ARGV do
  if redis.call("lrem", KEYS[1], 1, ARGV[i]) == 1 then
    redis.call("rpush", KEYS[2], ARGV[i])
    n = n + 1
  end
end
return n
