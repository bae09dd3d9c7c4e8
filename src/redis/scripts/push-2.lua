-- Push (edgekiq, TCP fast path): Sidekiq's immediate push — SADD queues <q> + LPUSH queue:<q> —
-- as one atomic command. Same data as the MULTI the REST path sends; one command instead of four.
-- KEYS[1] = queues set, KEYS[2] = queue:<name> list.
-- ARGV[1] = queue name, ARGV[2] = the job's JSON.
-- Returns the queue's new length.
redis.call("sadd", KEYS[1], ARGV[1])
return redis.call("lpush", KEYS[2], ARGV[2])
