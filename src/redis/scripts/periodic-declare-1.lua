--[[
  A worker declares its periodic entries (edgekiq, issue 15), every few seconds while it runs: each
  entry's definition goes into its state hash and the registry lists it until ARGV[2]. Entries no
  process has declared for a while (their registry time has passed) leave the registry; their
  marker and runs are kept for ARGV[5] ms more, so an entry that comes back within that time (a
  slow deploy) keeps its marker and does not run a tick twice.

  Input:
    KEYS[1]  edgekiq:periodic, the registry (name -> until when it is declared, epoch ms)
    ARGV[1]  now (ms)
    ARGV[2]  declare until (ms)
    ARGV[3]  the state key prefix ("edgekiq:periodic:", namespaced)
    ARGV[4]  the runs key prefix ("edgekiq:periodic-runs:", namespaced)
    ARGV[5]  how long (ms) a removed entry's state and runs are kept
    ARGV[6..] pairs: entry name, its definition (JSON)

  Output:
    the names removed from the registry
]]
for i = 6, #ARGV, 2 do
  local state = ARGV[3] .. ARGV[i]
  redis.call("hset", state, "def", ARGV[i + 1])
  redis.call("persist", state)
  redis.call("persist", ARGV[4] .. ARGV[i])
  redis.call("zadd", KEYS[1], "GT", ARGV[2], ARGV[i])
  redis.call("zadd", KEYS[1], "NX", ARGV[2], ARGV[i])
end
local gone = redis.call("zrange", KEYS[1], "-inf", "(" .. ARGV[1], "byscore")
for _, name in ipairs(gone) do
  redis.call("zrem", KEYS[1], name)
  redis.call("pexpire", ARGV[3] .. name, ARGV[5])
  redis.call("pexpire", ARGV[4] .. name, ARGV[5])
end
return gone
