/**
 * What a dead process leaves behind (Sidekiq Pro's super_fetch orphan check, and Sidekiq 7's
 * `ProcessSet#cleanup`), checked at start and every `orphanCheckInterval` by every worker:
 *
 * 1. `recoverOrphanLists()`: the in-progress lists of every process whose process hash is gone
 *    go back on their queues, one atomic script per list (exactly once however many race). At
 *    stop a worker runs it on its own lists, after deleting its own hash.
 * 2. `cleanupProcesses()`: members of `processes` whose hash expired are dropped, so dashboards
 *    stop listing dead processes.
 * 3. `indexMember()`: how one in-progress list is named in the index both read.
 */
import type { Keys } from "../core/keys";
import { recoverOrphans } from "../redis/scripts/index.gen";
import type { RedisClient } from "../redis/types";
import type { Report } from "./exception-handler";
import type { Logger } from "./logger";

/** The index member naming one in-progress list: JSON, since identities and queues hold ":". */
export function indexMember(identity: string, queue: string): string {
  return JSON.stringify([identity, queue]);
}

/**
 * Recovers the in-progress lists of every process whose process hash is gone (or only those
 * named in `only`). Returns the number of jobs put back. Safe to run from any number of workers.
 */
export async function recoverOrphanLists(
  redis: RedisClient,
  keys: Keys,
  only?: readonly string[],
): Promise<number> {
  const members = only ?? ((await redis.call(["smembers", keys.inProgressIndex])) as string[]);
  if (members.length === 0) return 0;
  const owners: { member: string; identity: string; queue: string }[] = [];
  for (const member of members) {
    try {
      const [identity, queue] = JSON.parse(member) as [string, string];
      if (typeof identity === "string" && typeof queue === "string") {
        owners.push({ member, identity, queue });
      }
    } catch {
      // Not ours to interpret; leave it.
    }
  }
  if (owners.length === 0) return 0;
  // A cheap pre-check in one round trip; the script checks again atomically.
  const alive = await redis.pipeline(owners.map((o) => ["exists", keys.process(o.identity)]));
  let moved = 0;
  for (const [i, o] of owners.entries()) {
    if (alive[i] === 1) continue;
    const n = (await redis.evalScript(
      recoverOrphans,
      [
        keys.inProgress(o.identity, o.queue),
        keys.process(o.identity),
        keys.queue(o.queue),
        keys.inProgressIndex,
      ],
      [o.member],
    )) as number;
    if (n > 0) moved += n;
  }
  return moved;
}

/**
 * Sidekiq 7's `ProcessSet#cleanup`: drops members of `processes` whose hash has expired (a process
 * killed without its clean stop), at most once a minute across the cluster (`process_cleanup`
 * lock). Resolves to how many were removed.
 */
export async function cleanupProcesses(redis: RedisClient, keys: Keys): Promise<number> {
  const locked = await redis.call(["set", keys.processCleanup, "1", "NX", "EX", 60]);
  if (locked !== "OK") return 0;
  const members = (await redis.call(["smembers", keys.processes])) as string[];
  if (members.length === 0) return 0;
  const infos = await redis.pipeline(
    members.map((id) => ["hget", keys.process(id), "info"] as const),
  );
  const dead = members.filter((_, i) => infos[i] === null);
  if (dead.length > 0) await redis.call(["srem", keys.processes, ...dead]);
  return dead.length;
}

/** One orphan check: both of the above, each reporting its own errors; never rejects. */
export function checkOrphans(redis: RedisClient, keys: Keys, logger: Logger, report: Report): void {
  cleanupProcesses(redis, keys).catch((err) =>
    report(err, { context: "Error cleaning up the processes set" }),
  );
  recoverOrphanLists(redis, keys).then(
    (n) => {
      if (n > 0) logger.warn("Recovered orphaned jobs of a dead process", { count: n });
    },
    (err) => report(err, { context: "Error recovering orphaned jobs" }),
  );
}
