/**
 * The API's two Lua scripts. Both take jobs by their exact stored strings and move a job only if
 * ZREM says it was still there, so an action racing the scheduler, a worker or a second operator
 * neither loses the job nor pushes it twice. (Sidekiq's `remove_job` does ZRANGEBYSCORE +
 * ZREMRANGEBYSCORE and re-adds the others: a crash in between loses jobs.)
 *
 * The SHA-1 is computed once with Web Crypto, which every target runtime has.
 */
import type { LuaScript } from "../redis/types";

/**
 * KEYS[1] = sorted set, KEYS[2] = `queues`, KEYS[2 + i] = `queue:<q>` of job i.
 * ARGV[3i-2..3i] = stored member, queue name, payload to push. Returns how many jobs moved.
 */
const MOVE_TO_QUEUES = `local moved = 0
for i = 3, #KEYS do
  local a = (i - 3) * 3
  if redis.call("zrem", KEYS[1], ARGV[a + 1]) == 1 then
    redis.call("sadd", KEYS[2], ARGV[a + 2])
    redis.call("lpush", KEYS[i], ARGV[a + 3])
    moved = moved + 1
  end
end
return moved`;

/**
 * KEYS[1] = sorted set the jobs leave, KEYS[2] = `dead`.
 * ARGV[1] = now (score), ARGV[2] = oldest score kept, ARGV[3] = max jobs, ARGV[4..] = members.
 * Trims as Sidekiq's `DeadSet#kill` does (rank trim keeps max - 1). Returns how many moved.
 */
const KILL = `local moved = 0
for i = 4, #ARGV do
  if redis.call("zrem", KEYS[1], ARGV[i]) == 1 then
    redis.call("zadd", KEYS[2], ARGV[1], ARGV[i])
    moved = moved + 1
  end
end
if moved > 0 then
  redis.call("zremrangebyscore", KEYS[2], "-inf", ARGV[2])
  redis.call("zremrangebyrank", KEYS[2], 0, -tonumber(ARGV[3]))
end
return moved`;

const cache = new Map<string, Promise<LuaScript>>();

function script(name: string, numberOfKeys: number, lua: string): Promise<LuaScript> {
  let s = cache.get(name);
  if (!s) {
    s = crypto.subtle.digest("SHA-1", new TextEncoder().encode(lua)).then((digest) => {
      const sha1 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      return { name, numberOfKeys, lua, sha1 };
    });
    cache.set(name, s);
  }
  return s;
}

/** Variable key count: `numberOfKeys` is informative only; callers pass the real keys. */
export const moveToQueuesScript = (): Promise<LuaScript> =>
  script("api-move-to-queues", -1, MOVE_TO_QUEUES);
export const killScript = (): Promise<LuaScript> => script("api-kill-2", 2, KILL);
