/**
 * The heartbeat (Sidekiq's `launcher.rb` ❤, wire spec §7.1), so Sidekiq's Web UI and Ruby's API
 * see this process.
 *
 * 1. It owns what the process reports: the info JSON (fixed at start), the processed/failed
 *    counters and (Sidekiq 7) the job metrics, which processors add to through `jobDone` and only
 *    a beat takes, so nothing else can lose a count.
 * 2. `beat()`: the counters, the work hash of running jobs (`<id>:work` for Sidekiq 7 readers,
 *    `<id>:workers` for 6.4), then the `processes` set and the process hash (info, busy, beat,
 *    quiet, rtt_us, rss) with a 60 s TTL, and the in-progress index members. The reply of
 *    `RPOP <id>-signals` carries remote quiet/stop/dump requests. A failed beat keeps its counts
 *    for the next one. One beat at a time: a beat asked for during another is that one.
 * 3. `stop()`: after the last beat, writes the last counts and metrics and removes the process
 *    from Sidekiq's views (Sidekiq's `clear_heartbeat`).
 */
import { randomHex } from "../core/bytes";
import { formatFloat } from "../core/clock";
import { type Keys, PROCESS_TTL_SECONDS, STATS_TTL_SECONDS, statDate } from "../core/keys";
import type { RedisClient, RedisCommand } from "../redis/types";
import type { Report } from "./exception-handler";
import type { Ledger } from "./ledger";
import { MetricsTracker, metricsCommands } from "./metrics";
import type { Platform } from "./platform";
import type { QueueConfig } from "./queues";

/** Where processors count their jobs. */
export interface JobStats {
  /** One job ran: `klass` is its `wrapped || class`, `ms` whole milliseconds. */
  jobDone(klass: string, ms: number, failed: boolean): void;
}

export interface HeartbeatDeps {
  redis: RedisClient;
  keys: Keys;
  identity: string;
  sidekiqVersion: 6 | 7;
  platform: Platform;
  /** What the info JSON shows besides the platform's facts. */
  process: { tag: string; labels: readonly string[]; concurrency: number; queues: QueueConfig };
  /**
   * This process's in-progress index members. Re-added on every beat: if an outage longer than
   * the 60 s TTL let another worker recover (and unregister) our lists, new fetches are covered
   * again from the next beat on.
   */
  indexMembers: readonly string[];
  running: Pick<Ledger, "busy" | "each">;
  quiet(): boolean;
  /** A remote signal popped from `<id>-signals`. */
  onSignal(name: string): void;
  report: Report;
}

export class Heartbeat implements JobStats {
  #info = "";
  #processed = 0;
  #failed = 0;
  /** Sidekiq 7's job metrics; Sidekiq 6 has none, so 6 mode neither counts nor writes them. */
  readonly #metrics: MetricsTracker | undefined;
  #beating: Promise<void> | undefined;

  constructor(private readonly d: HeartbeatDeps) {
    this.#metrics = d.sidekiqVersion === 7 ? new MetricsTracker() : undefined;
  }

  jobDone(klass: string, ms: number, failed: boolean): void {
    this.#processed++;
    if (failed) this.#failed++;
    this.#metrics?.record(klass, ms, failed);
  }

  /** Fixes the info JSON for every beat from now on (`started_at` is now). */
  start(): void {
    this.#info = infoJson(this.d);
  }

  /** One beat (or the one in flight); rejects on a Redis error. */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => {
      this.#beating = undefined;
    });
    return this.#beating;
  }

  /** Waits for a beat in flight, writes the last counts and metrics, leaves the views. */
  async stop(): Promise<void> {
    await this.#beating?.catch(() => undefined);
    const { redis, keys, identity } = this.d;
    const stats = this.#takeStats();
    await redis.multi([
      ...statCommands(keys, stats, Date.now(), false),
      ["srem", keys.processes, identity],
      ["unlink", keys.work(identity)],
      ["unlink", keys.workers(identity)],
      // Unlike Sidekiq we also drop the process hash: its absence is what lets orphan recovery
      // take back anything a late fetch left in our in-progress lists.
      ["unlink", keys.process(identity)],
    ]);
    // The last jobs' metrics: a failure here is reported but must not stop what follows.
    await this.#flushMetrics(Date.now()).catch((err) =>
      this.d.report(err, { context: "Error writing job metrics at stop" }),
    );
  }

  async #beat(nowMs = Date.now()): Promise<void> {
    const { redis, keys, identity, sidekiqVersion: version, running } = this.d;
    const stats = this.#takeStats();
    try {
      const workKey = version === 6 ? keys.workers(identity) : keys.work(identity);
      const first: RedisCommand[] = [];
      // 6.4 always sends the counters (even 0); 7.x only non-zero ones. Both read the same keys.
      if (version === 6 || stats.processed > 0 || stats.failed > 0) {
        first.push(...statCommands(keys, stats, nowMs, version === 6));
      }
      first.push(["unlink", workKey]);
      if (running.busy > 0) {
        const fields: string[] = [];
        running.each((tid, job) => {
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
      // Sent with the next beat.
      this.#processed += stats.processed;
      this.#failed += stats.failed;
      throw err;
    }

    const t0 = performance.now();
    await redis.call(["ping"]);
    const rttUs = Math.round((performance.now() - t0) * 1000);

    const id = keys.process(identity);
    const replies = await redis.multi([
      ["sadd", keys.processes, identity],
      ["exists", id],
      [
        "hset",
        id,
        "info",
        this.#info,
        "busy",
        running.busy,
        "beat",
        formatFloat(nowMs / 1000),
        "rtt_us",
        rttUs,
        "quiet",
        String(this.d.quiet()),
        "rss",
        this.d.platform.rssKb(),
      ],
      ["expire", id, PROCESS_TTL_SECONDS],
      ["rpop", keys.signals(identity)],
      ["sadd", keys.inProgressIndex, ...this.d.indexMembers],
    ]);
    // Acted on before the metrics are flushed: a popped signal must not be lost to their error.
    const signal = replies[4] as string | null;
    if (signal) this.d.onSignal(signal);
    await this.#flushMetrics(nowMs);
  }

  #takeStats(): { processed: number; failed: number } {
    const stats = { processed: this.#processed, failed: this.#failed };
    this.#processed = 0;
    this.#failed = 0;
    return stats;
  }

  /**
   * Sidekiq 7 flushes job metrics on its `:beat` event, after the beat, in a MULTI of their own:
   * done the same here, so a metrics key Redis refuses (a user's key of another type with the
   * same name) cannot cost the process its beat. On an error the numbers go back for the next.
   */
  async #flushMetrics(nowMs: number): Promise<void> {
    const taken = this.#metrics?.take();
    if (!taken || taken.length === 0) return;
    try {
      await this.d.redis.multi(metricsCommands(this.d.keys, taken, nowMs));
    } catch (err) {
      this.#metrics?.restore(taken);
      throw err;
    }
  }
}

function statCommands(
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

/** The process hash's `info` field: Sidekiq's fields, in its order, for each generation. */
function infoJson(d: HeartbeatDeps): string {
  const { platform, process: p } = d;
  const info: Record<string, unknown> = {
    hostname: platform.hostname(),
    started_at: Date.now() / 1000,
    pid: platform.pid,
    tag: p.tag,
    concurrency: p.concurrency,
    queues: p.queues.names,
  };
  if (d.sidekiqVersion === 7) info.weights = [{ ...p.queues.weights }];
  info.labels = p.labels;
  info.identity = d.identity;
  if (d.sidekiqVersion === 7) {
    info.version = "edgekiq";
    info.embedded = false;
  }
  return JSON.stringify(info);
}

/** This process's identity, `hostname:pid:<12 hex>`, as in Sidekiq. */
export function processIdentity(platform: Platform): string {
  return `${platform.hostname()}:${platform.pid}:${randomHex(6)}`;
}
