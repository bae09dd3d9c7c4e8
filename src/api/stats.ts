/**
 * The numbers on the dashboard (Sidekiq's `Stats`, `Stats::Queues`, `Stats::History`).
 *
 * 1. `fetch()`: one pipeline for the cheap counters (processed, failed, set sizes, processes,
 *    default queue latency), then one for the per-queue lengths and per-process busy counts.
 * 2. `history(days)`: daily processed/failed from `stat:<x>:YYYY-MM-DD` (UTC) with MGET.
 * 3. `queues()`: every queue's length, longest first. `reset()`: the lifetime counters to 0.
 */
import { statDate } from "../core/keys";
import {
  type ApiContext,
  type ApiOptions,
  replyNumber,
  replyString,
  replyStrings,
  scanSet,
  toContext,
} from "./context";
import { JobRecord } from "./job-record";

export interface StatsSnapshot {
  processed: number;
  failed: number;
  /** Jobs waiting in all queues. */
  enqueued: number;
  scheduled: number;
  retries: number;
  dead: number;
  processes: number;
  /** Jobs running now (Σ `busy` over processes). */
  busy: number;
  /** Seconds the oldest job in `default` has waited. */
  default_queue_latency: number;
  /** Length of every queue, longest first. */
  queues: Record<string, number>;
}

export interface StatsHistory {
  /** UTC dates `YYYY-MM-DD`, newest first, each with its count. */
  processed: Record<string, number>;
  failed: Record<string, number>;
}

export class Stats {
  readonly ctx: ApiContext;

  constructor(options: ApiOptions | ApiContext) {
    this.ctx = toContext(options);
  }

  async fetch(nowMs: number = Date.now()): Promise<StatsSnapshot> {
    const { keys } = this.ctx;
    const [processed, failed, scheduled, retries, dead, processes, oldest] =
      await this.ctx.redis.pipeline([
        ["get", keys.stat("processed")],
        ["get", keys.stat("failed")],
        ["zcard", keys.schedule],
        ["zcard", keys.retry],
        ["zcard", keys.dead],
        ["scard", keys.processes],
        ["lindex", keys.queue("default"), -1],
      ]);
    const [queueNames, processIds] = await Promise.all([
      scanSet(this.ctx, keys.queues),
      scanSet(this.ctx, keys.processes),
    ]);
    const slow = await this.ctx.redis.pipeline([
      ...queueNames.map((q) => ["llen", keys.queue(q)] as const),
      ...processIds.map((id) => ["hget", keys.process(id), "busy"] as const),
    ]);
    const queues: Record<string, number> = {};
    const lengths = queueNames
      .map((q, i) => [q, replyNumber(slow[i])] as const)
      .sort((a, b) => b[1] - a[1]);
    for (const [q, n] of lengths) queues[q] = n;
    const oldestJob = replyString(oldest);
    return {
      processed: replyNumber(processed),
      failed: replyNumber(failed),
      enqueued: lengths.reduce((n, [, len]) => n + len, 0),
      scheduled: replyNumber(scheduled),
      retries: replyNumber(retries),
      dead: replyNumber(dead),
      processes: replyNumber(processes),
      busy: slow.slice(queueNames.length).reduce<number>((n, r) => n + replyNumber(r), 0),
      default_queue_latency: oldestJob === null ? 0 : new JobRecord(oldestJob).latency(nowMs),
      queues,
    };
  }

  /** Every queue's length, longest first. */
  async queues(): Promise<Record<string, number>> {
    const names = await scanSet(this.ctx, this.ctx.keys.queues);
    const lengths = await this.ctx.redis.pipeline(
      names.map((q) => ["llen", this.ctx.keys.queue(q)] as const),
    );
    const out: Record<string, number> = {};
    for (const [q, n] of names
      .map((q, i) => [q, replyNumber(lengths[i])] as const)
      .sort((a, b) => b[1] - a[1])) {
      out[q] = n;
    }
    return out;
  }

  /**
   * Daily counts for `days` days ending at `start` (default today, UTC), newest first. Sidekiq
   * bounds `days` to 1..1825 (the 5-year TTL of the dated keys).
   */
  async history(days: number, start: Date = new Date()): Promise<StatsHistory> {
    if (!Number.isInteger(days) || days < 1 || days > 1825) {
      throw new RangeError(`days must be an integer from 1 to 1825, got ${days}`);
    }
    const dates: string[] = [];
    for (let i = 0; i < days; i++) dates.push(statDate(start.getTime() - i * 86_400_000));
    const { keys } = this.ctx;
    const [p, f] = await this.ctx.redis.pipeline([
      ["mget", ...dates.map((d) => keys.stat("processed", d))],
      ["mget", ...dates.map((d) => keys.stat("failed", d))],
    ]);
    const processed: Record<string, number> = {};
    const failed: Record<string, number> = {};
    const pv = replyStrings(p);
    const fv = replyStrings(f);
    for (const [i, d] of dates.entries()) {
      processed[d] = Number(pv[i]) || 0;
      failed[d] = Number(fv[i]) || 0;
    }
    return { processed, failed };
  }

  /** Sets the lifetime counters back to 0 (Sidekiq's `Stats#reset`). */
  async reset(which: ReadonlyArray<"processed" | "failed"> = ["processed", "failed"]) {
    const args = which.flatMap((w) => [this.ctx.keys.stat(w), "0"]);
    if (args.length > 0) await this.ctx.redis.call(["mset", ...args]);
  }
}
