--[[
  Reliable batch fetch with paused and capped queues: fetch-batch.lua (same keys, same
  acknowledgements, same output) except that only the first F key pairs are fetched from (the
  others, paused queues, are there for their acknowledgements), and, for each capped queue, a
  count of that queue's jobs in every edgekiq process's in-progress list, and no more moved from
  it than its cap leaves room for. Used only while a queue is paused or capped, so a worker with
  neither runs the plain script and pays nothing for this.

  The in-progress lists are found through the index of every such list (the set orphan recovery
  reads), so the count heals itself: a dead process's list is requeued by orphan recovery and
  stops counting. Those keys are not declared in KEYS (there may be any number of processes):
  this script needs a single Redis, not a cluster.

  Input:
    KEYS, ARGV[1..2+2A]  as fetch-batch.lua
    ARGV[3+2A]  C, the number of capped queues (then F, the number of KEYS to fetch from)
    ARGV[4+2A]  F: KEYS[1..F] are fetched from
    ARGV[5+2A]  the in-progress index (a set of JSON members ["<identity>","<queue>"])
    ARGV[6+2A]  the in-progress key prefix ("edgekiq:inprogress:", namespaced; the list of a
                member ["<id>","<q>"] is <prefix><id>|<q>)
    then per capped queue c: the KEYS index of its queue key, its cap, and the end of its index
    members (`,"<queue>"]`)

  Output:
    as fetch-batch.lua
]]
local limit = tonumber(ARGV[1])
local acks = tonumber(ARGV[2])
for j = 1, acks do
  redis.call("lrem", KEYS[tonumber(ARGV[1 + 2 * j])], -1, ARGV[2 + 2 * j])
end
local base = 2 + 2 * acks
local capped = tonumber(ARGV[base + 1])
local fetchable = tonumber(ARGV[base + 2])
local room = {}
if capped > 0 then
  local members = redis.call("smembers", ARGV[base + 3])
  local prefix = ARGV[base + 4]
  for c = 1, capped do
    local at = base + 4 + 3 * (c - 1)
    local suffix = ARGV[at + 3]
    local running = 0
    for _, m in ipairs(members) do
      if #m > #suffix and string.sub(m, -#suffix) == suffix then
        local ok, pair = pcall(cjson.decode, m)
        if ok and type(pair) == "table" and type(pair[1]) == "string" then
          running = running + redis.call("llen", prefix .. pair[1] .. "|" .. pair[2])
        end
      end
    end
    room[tonumber(ARGV[at + 1])] = tonumber(ARGV[at + 2]) - running
  end
end
local out = {}
local taken = 0
for i = 1, fetchable, 2 do
  local left = room[i]
  while taken < limit and (left == nil or left > 0) do
    local job = redis.call("lmove", KEYS[i], KEYS[i + 1], "RIGHT", "LEFT")
    if not job then break end
    out[#out + 1] = (i + 1) / 2
    out[#out + 1] = job
    taken = taken + 1
    if left then left = left - 1 end
  end
  if taken >= limit then break end
end
return out
