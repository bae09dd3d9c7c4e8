/**
 * The heartbeat (Sidekiq's `launcher.rb` ❤, wire spec §7.1), so Sidekiq's Web UI and Ruby's API
 * see this process: the `processes` set, the process hash (info, busy, beat, quiet, rtt_us, rss)
 * with a 60 s TTL, the work hash of running jobs (`<id>:work` for Sidekiq 7 readers, `<id>:workers`
 * for 6.4), and the processed/failed counters and (Sidekiq 7) the job metrics, flushed here
 * rather than per job. The reply of `RPOP <id>-signals` carries remote quiet/stop/dump requests.
 */
import { formatFloat } from "../core/clock";
import { type Keys, PROCESS_TTL_SECONDS, STATS_TTL_SECONDS, statDate } from "../core/keys";
import type { RedisClient, RedisCommand } from "../redis/types";
import { type MetricsTracker, metricsCommands } from "./metrics";
import type { Slots } from "./slots";

export interface HeartbeatSource {
  identity: string;
  info: string;
  /**
   * This process's in-progress index members. Re-added on every beat: if an outage longer than
   * the 60 s TTL let another worker recover (and unregister) our lists, new fetches are covered
   * again from the next beat on.
   */
  indexMembers: readonly string[];
  sidekiqVersion: 6 | 7;
  running: Pick<Slots, "busy" | "each">;
  quiet(): boolean;
  rssKb(): number;
  /** Takes and resets the counters since the last beat. */
  takeStats(): { processed: number; failed: number };
  /** Puts counters back after a failed beat, so they are sent with the next one. */
  restoreStats(stats: { processed: number; failed: number }): void;
  /** Sidekiq 7's per-class job metrics, flushed into the beat's minute; absent in 6 mode. */
  metrics?: Pick<MetricsTracker, "take" | "restore"> | undefined;
}

export interface BeatResult {
  /** The remote signal popped from `<id>-signals`, if any. */
  signal: string | null;
  /** True when the process hash did not exist before (first beat, or back after an outage). */
  firstBeat: boolean;
}

export async function beat(
  redis: RedisClient,
  keys: Keys,
  src: HeartbeatSource,
  nowMs = Date.now(),
): Promise<BeatResult> {
  const stats = src.takeStats();
  try {
    const workKey = src.sidekiqVersion === 6 ? keys.workers(src.identity) : keys.work(src.identity);
    const first: RedisCommand[] = [];
    // 6.4 always sends the counters (even 0); 7.x only non-zero ones. Both read the same keys.
    if (src.sidekiqVersion === 6 || stats.processed > 0 || stats.failed > 0) {
      first.push(...statCommands(keys, stats, nowMs, src.sidekiqVersion === 6));
    }
    first.push(["unlink", workKey]);
    if (src.running.busy > 0) {
      const fields: string[] = [];
      src.running.each((tid, job) => {
        // The payload is a JSON string inside JSON (Sidekiq #4316).
        fields.push(
          tid,
          `{"queue":${JSON.stringify(job.queue)},"payload":${JSON.stringify(job.payload)},"run_at":${job.run_at}}`,
        );
      });
      first.push(["hset", workKey, ...fields], ["expire", workKey, PROCESS_TTL_SECONDS]);
    }
    await redis.multi(first);
  } catch (err) {
    src.restoreStats(stats);
    throw err;
  }

  const t0 = performance.now();
  await redis.call(["ping"]);
  const rttUs = Math.round((performance.now() - t0) * 1000);

  const id = keys.process(src.identity);
  const replies = await redis.multi([
    ["sadd", keys.processes, src.identity],
    ["exists", id],
    [
      "hset",
      id,
      "info",
      src.info,
      "busy",
      src.running.busy,
      "beat",
      formatFloat(nowMs / 1000),
      "rtt_us",
      rttUs,
      "quiet",
      String(src.quiet()),
      "rss",
      src.rssKb(),
    ],
    ["expire", id, PROCESS_TTL_SECONDS],
    ["rpop", keys.signals(src.identity)],
    ["sadd", keys.inProgressIndex, ...src.indexMembers],
  ]);
  const result = { firstBeat: replies[1] === 0, signal: (replies[4] as string | null) ?? null };
  await flushMetrics(redis, keys, src, nowMs);
  return result;
}

/**
 * Sidekiq 7 flushes job metrics on its `:beat` event, after the beat, in a MULTI of their own:
 * done the same here, so a metrics key Redis refuses (a user's key of another type with the same
 * name) cannot cost the process its beat. On an error the numbers go back for the next beat.
 */
export async function flushMetrics(
  redis: RedisClient,
  keys: Keys,
  src: Pick<HeartbeatSource, "metrics">,
  nowMs = Date.now(),
): Promise<void> {
  const taken = src.metrics?.take();
  if (!taken || taken.length === 0) return;
  try {
    await redis.multi(metricsCommands(keys, taken, nowMs));
  } catch (err) {
    src.metrics?.restore(taken);
    throw err;
  }
}

export function statCommands(
  keys: Keys,
  stats: { processed: number; failed: number },
  nowMs: number,
  includeZero: boolean,
): RedisCommand[] {
  const date = statDate(nowMs);
  const out: RedisCommand[] = [];
  for (const name of ["processed", "failed"] as const) {
    const n = stats[name];
    if (n === 0 && !includeZero) continue;
    out.push(
      ["incrby", keys.stat(name), n],
      ["incrby", keys.stat(name, date), n],
      ["expire", keys.stat(name, date), STATS_TTL_SECONDS],
    );
  }
  return out;
}

/** Removes the process from Sidekiq's views at shutdown (Sidekiq's `clear_heartbeat`). */
export async function clearHeartbeat(
  redis: RedisClient,
  keys: Keys,
  src: Pick<HeartbeatSource, "identity" | "takeStats">,
): Promise<void> {
  const stats = src.takeStats();
  await redis.multi([
    ...statCommands(keys, stats, Date.now(), false),
    ["srem", keys.processes, src.identity],
    ["unlink", keys.work(src.identity)],
    ["unlink", keys.workers(src.identity)],
    // Unlike Sidekiq we also drop the process hash: its absence is what lets orphan recovery
    // take back anything a late fetch left in our in-progress lists.
    ["unlink", keys.process(src.identity)],
  ]);
}

/**
 * Sidekiq 7's `ProcessSet#cleanup`: drops members of `processes` whose hash has expired (a process
 * killed without its clean stop), at most once a minute across the cluster (`process_cleanup`
 * lock), so dashboards stop listing dead processes. Resolves to how many were removed.
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
