--[[
  Releases a unique lock only if the job releasing it still holds it: after `for` seconds the
  lock expires and a new push of the same job may take it, and the first job's late release must
  not free the second one's lock. It never raises an error (a key of another type is left alone):
  it runs inside the worker's batched MULTI of finishing writes, which an error would make retry.

  Input:
    KEYS[1]  the lock key (edgekiq:unique:<digest>)
    ARGV[1]  the jid of the job releasing it

  Output:
    1 if released, 0 if the lock was not held by this job
]]
local holder = redis.pcall("get", KEYS[1])
if holder == ARGV[1] then
  return redis.call("del", KEYS[1])
end
return 0
