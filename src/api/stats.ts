/**
 * The numbers on the dashboard (Sidekiq's `Stats`, `Stats::Queues`, `Stats::History`).
 *
 * 1. `fetch()`: one pipeline for the cheap counters (processed, failed, set sizes, processes,
 *    default queue latency), then one for the per-queue lengths and per-process busy counts.
 *    `summary()`: the same counters with the per-queue and per-process part bounded (an SSCAN
 *    window each), for pages that must not slow down as queues multiply.
 * 2. `history(days)`: daily processed/failed from `stat:<x>:YYYY-MM-DD` (UTC) with MGET.
 * 3. `queues()`: every queue's length, longest first; `queueLengths()` one window of them.
 *    `reset()`: the lifetime counters to 0.
 */
import { ArgumentError } from "../core/errors";
import { statDate } from "../core/keys";
import {
  type ApiContext,
  type ApiOptions,
  replyNumber,
  replyString,
  replyStrings,
  scanSet,
  scanSetWindow,
  toContext,
} from "./context";
import { latencyOf } from "./queue";

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

/** What `summary()` adds up at most: queue lengths and process busy counts (1,000 of each). */
const SUMMARY_LIMIT = 1000;

/** `fetch()` without the per-queue lengths, and bounded (see `summary()`). */
export interface StatsSummary extends Omit<StatsSnapshot, "queues"> {
  /** Known queues (SCARD `queues`). */
  queueCount: number;
  /** How many queues `enqueued` sums: all of them, or the first 1,000 SSCAN returned. */
  queuesCounted: number;
  /** How many processes `busy` sums: all of them, or the first 1,000. */
  processesCounted: number;
}

export class Stats {
  readonly ctx: ApiContext;

  constructor(options: ApiOptions | ApiContext) {
    this.ctx = toContext(options);
  }

  async fetch(nowMs: number = Date.now()): Promise<StatsSnapshot> {
    const [counters, queueNames, processIds] = await Promise.all([
      this.#counters(nowMs),
      scanSet(this.ctx, this.ctx.keys.queues),
      scanSet(this.ctx, this.ctx.keys.processes),
    ]);
    const { lengths, busy } = await this.#sizes(queueNames, processIds);
    return {
      processed: counters.processed,
      failed: counters.failed,
      enqueued: sumLengths(lengths),
      scheduled: counters.scheduled,
      retries: counters.retries,
      dead: counters.dead,
      processes: counters.processes,
      busy,
      default_queue_latency: counters.default_queue_latency,
      queues: lengthsRecord(lengths),
    };
  }

  /**
   * The dashboard's counters at a cost that does not grow with the data: like `fetch()`, but
   * `enqueued` and `busy` add up at most 1,000 queues and 1,000 processes (an SSCAN window each;
   * `queuesCounted < queueCount` says the sum is a lower bound), and no per-queue lengths.
   */
  async summary(nowMs: number = Date.now()): Promise<StatsSummary> {
    const { keys } = this.ctx;
    const [counters, queues, processes, queueCount] = await Promise.all([
      this.#counters(nowMs),
      scanSetWindow(this.ctx, keys.queues, { count: SUMMARY_LIMIT, maxCalls: 1 }),
      scanSetWindow(this.ctx, keys.processes, { count: SUMMARY_LIMIT, maxCalls: 1 }),
      this.ctx.redis.call(["scard", keys.queues]),
    ]);
    const { lengths, busy } = await this.#sizes(queues.members, processes.members);
    return {
      ...counters,
      enqueued: sumLengths(lengths),
      busy,
      queueCount: replyNumber(queueCount),
      queuesCounted: queues.next === undefined ? replyNumber(queueCount) : lengths.length,
      processesCounted:
        processes.next === undefined ? counters.processes : processes.members.length,
    };
  }

  /** Every queue's length, longest first. */
  async queues(): Promise<Record<string, number>> {
    const { lengths } = await this.#sizes(await scanSet(this.ctx, this.ctx.keys.queues), []);
    return lengthsRecord(lengths);
  }

  /**
   * One window of queues (SSCAN from `cursor`) with their lengths, longest first, as pairs (an
   * object would put names like "10" first and has a `__proto__` of its own).
   */
  async queueLengths(
    options: { cursor?: string; count?: number } = {},
  ): Promise<{ lengths: [string, number][]; next: string | undefined }> {
    const window = await scanSetWindow(this.ctx, this.ctx.keys.queues, {
      cursor: options.cursor,
      count: options.count ?? SUMMARY_LIMIT,
      maxCalls: 1,
    });
    const { lengths } = await this.#sizes(window.members, []);
    return { lengths, next: window.next };
  }

  /** The O(1) counters, in one pipeline. */
  async #counters(nowMs: number) {
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
    return {
      processed: replyNumber(processed),
      failed: replyNumber(failed),
      scheduled: replyNumber(scheduled),
      retries: replyNumber(retries),
      dead: replyNumber(dead),
      processes: replyNumber(processes),
      default_queue_latency: latencyOf(replyString(oldest), nowMs),
    };
  }

  /** These queues' lengths (longest first) and these processes' busy sum, in one pipeline. */
  async #sizes(
    queueNames: readonly string[],
    processIds: readonly string[],
  ): Promise<{ lengths: [string, number][]; busy: number }> {
    if (queueNames.length === 0 && processIds.length === 0) return { lengths: [], busy: 0 };
    const { keys } = this.ctx;
    const replies = await this.ctx.redis.pipeline([
      ...queueNames.map((q) => ["llen", keys.queue(q)] as const),
      ...processIds.map((id) => ["hget", keys.process(id), "busy"] as const),
    ]);
    const lengths = queueNames
      .map((q, i): [string, number] => [q, replyNumber(replies[i])])
      .sort((a, b) => b[1] - a[1]);
    const busy = replies.slice(queueNames.length).reduce<number>((n, r) => n + replyNumber(r), 0);
    return { lengths, busy };
  }

  /**
   * Daily counts for `days` days ending at `start` (default today, UTC), newest first. Sidekiq
   * bounds `days` to 1..1825 (the 5-year TTL of the dated keys).
   */
  async history(days: number, start: Date = new Date()): Promise<StatsHistory> {
    if (!Number.isInteger(days) || days < 1 || days > 1825) {
      throw new ArgumentError(`days must be an integer from 1 to 1825, got ${days}`);
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

function sumLengths(lengths: readonly [string, number][]): number {
  return lengths.reduce((n, [, len]) => n + len, 0);
}

/** Name -> length with no prototype, so a queue named `__proto__` is a key like any other. */
function lengthsRecord(lengths: readonly [string, number][]): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const [q, n] of lengths) out[q] = n;
  return out;
}
