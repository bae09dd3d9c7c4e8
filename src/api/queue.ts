/**
 * A queue (Sidekiq's `Queue` and its `JobRecord#delete`): the `queue:<q>` list, newest job at the
 * left (LPUSH) and the next to run at the right (BRPOP).
 *
 * 1. `Queue.all`: the names in `queues`, sorted; `Queue.scan`: one window of them (SSCAN) with sizes
 *    and latencies, for lists whose cost must not grow with the number of queues.
 * 2. size, latency (seconds the oldest job has waited), paging, `findJob(jid)` (O(n), as Sidekiq).
 * 3. `QueueJob#delete`: `LREM queue:<q> 1 <exact stored string>`; `clear`: UNLINK + SREM in MULTI.
 */

import { ArgumentError } from "../core/errors";
import { pausedQueuesKey, queueCapsKey } from "../core/queue-state-keys";
import {
  type ApiContext,
  type ApiOptions,
  globEscape,
  replyNumber,
  replyString,
  replyStrings,
  scanSet,
  scanSetWindow,
  toContext,
} from "./context";
import { JobRecord } from "./job-record";

export interface Page<T> {
  /** 1-based page number actually served. */
  page: number;
  /** Total number of items in the list or set. */
  total: number;
  items: T[];
}

export interface QueueScanOptions {
  /** "0" (the default) for the first window, then the `next` of the previous one. */
  cursor?: string;
  /** Queues per window (default 100; SSCAN's COUNT hint, so a window may hold a few more). */
  count?: number;
  /** Only names containing this text (case-sensitive). */
  filter?: string;
}

export interface QueueScan {
  /** Every known queue (SCARD `queues`), not only this window's. */
  total: number;
  /** The cursor of the next window; undefined after the last. */
  next: string | undefined;
  /** Sorted by name within the window. */
  queues: { queue: Queue; size: number; latency: number }[];
}

/** Page `page` (1-based; anything below 1 or not a number is page 1) of `count` items per page. */
export function pageWindow(
  page: number,
  count: number,
): { page: number; start: number; end: number } {
  const current = Math.max(1, Math.floor(page) || 1);
  const start = (current - 1) * count;
  return { page: current, start, end: start + count - 1 };
}

export class QueueJob extends JobRecord {
  constructor(
    value: string,
    readonly queueName: string,
    /** Position in the list when it was read (0 = newest); a hint for finding it again. */
    readonly index: number,
    readonly ctx: ApiContext,
  ) {
    super(value);
  }

  /** Removes this exact job from its queue; false if it was no longer there. */
  async delete(): Promise<boolean> {
    const removed = await this.ctx.redis.call([
      "lrem",
      this.ctx.keys.queue(this.queueName),
      1,
      this.value,
    ]);
    return replyNumber(removed) > 0;
  }
}

export class Queue {
  readonly ctx: ApiContext;

  constructor(
    readonly name: string = "default",
    options: ApiOptions | ApiContext,
  ) {
    this.ctx = toContext(options);
  }

  /** Every known queue, by name (Sidekiq's `Queue.all`). */
  static async all(options: ApiOptions | ApiContext): Promise<Queue[]> {
    const ctx = toContext(options);
    const names = await scanSet(ctx, ctx.keys.queues);
    return names.map((n) => new Queue(n, ctx));
  }

  /**
   * One window of queues with their sizes and latencies: one SSCAN walk and one pipeline, however
   * many queues there are. Windows come in Redis's scan order, so names are sorted only within one.
   */
  static async scan(
    options: ApiOptions | ApiContext,
    { cursor, count = 100, filter }: QueueScanOptions = {},
  ): Promise<QueueScan> {
    const ctx = toContext(options);
    const [window, total] = await Promise.all([
      scanSetWindow(ctx, ctx.keys.queues, {
        cursor,
        count,
        match: filter ? `*${globEscape(filter)}*` : undefined,
      }),
      ctx.redis.call(["scard", ctx.keys.queues]),
    ]);
    const replies =
      window.members.length === 0
        ? []
        : await ctx.redis.pipeline(
            window.members.flatMap((q) => [
              ["llen", ctx.keys.queue(q)] as const,
              ["lindex", ctx.keys.queue(q), -1] as const,
            ]),
          );
    const now = Date.now();
    return {
      total: replyNumber(total),
      next: window.next,
      queues: window.members.map((name, i) => ({
        queue: new Queue(name, ctx),
        size: replyNumber(replies[2 * i]),
        latency: latencyOf(replyString(replies[2 * i + 1]), now),
      })),
    };
  }

  get #key(): string {
    return this.ctx.keys.queue(this.name);
  }

  async size(): Promise<number> {
    return replyNumber(await this.ctx.redis.call(["llen", this.#key]));
  }

  /** Seconds the oldest job has been waiting; 0 for an empty queue. */
  async latency(nowMs: number = Date.now()): Promise<number> {
    return latencyOf(replyString(await this.ctx.redis.call(["lindex", this.#key, -1])), nowMs);
  }

  /**
   * One page of jobs, `count` per page. Newest first by default (the web UI's order);
   * `oldestFirst` starts with the next job to run.
   */
  async page(
    page = 1,
    count = 25,
    options: { oldestFirst?: boolean } = {},
  ): Promise<Page<QueueJob>> {
    const { page: current, start, end } = pageWindow(page, count);
    const range: [number, number] = options.oldestFirst ? [-end - 1, -start - 1] : [start, end];
    const [total, items] = await this.ctx.redis.multi([
      ["llen", this.#key],
      ["lrange", this.#key, range[0], range[1]],
    ]);
    const size = replyNumber(total);
    let values = replyStrings(items);
    let indexes = values.map((_, i) => start + i);
    if (options.oldestFirst) {
      values = values.reverse();
      indexes = values.map((_, i) => size - 1 - start - i);
    }
    return {
      page: current,
      total: size,
      items: values.map((v, i) => new QueueJob(v, this.name, indexes[i]!, this.ctx)),
    };
  }

  /** Every job, newest first, read 100 at a time. */
  async *jobs(): AsyncGenerator<QueueJob> {
    const pageSize = 100;
    for (let start = 0; ; start += pageSize) {
      const values = replyStrings(
        await this.ctx.redis.call(["lrange", this.#key, start, start + pageSize - 1]),
      );
      for (const [i, v] of values.entries()) yield new QueueJob(v, this.name, start + i, this.ctx);
      if (values.length < pageSize) return;
    }
  }

  /** The job with this jid, or undefined. O(n), like Sidekiq's. */
  async findJob(jid: string): Promise<QueueJob | undefined> {
    if (jid === "") return undefined;
    for await (const job of this.jobs()) {
      if (job.value.includes(jid) && job.jid === jid) return job;
    }
    return undefined;
  }

  /**
   * The job with this jid, looking first at `index` (where a page showed it), then everywhere.
   * Lets the dashboard address a job by jid without posting its whole payload back.
   */
  async findJobNear(jid: string, index: number): Promise<QueueJob | undefined> {
    if (Number.isInteger(index) && index >= 0) {
      const value = replyString(await this.ctx.redis.call(["lindex", this.#key, index]));
      if (value !== null) {
        const job = new QueueJob(value, this.name, index, this.ctx);
        if (job.jid === jid) return job;
      }
    }
    return this.findJob(jid);
  }

  /** Deletes the queue and forgets its name (Sidekiq's `Queue#clear`). */
  async clear(): Promise<void> {
    await this.ctx.redis.multi([
      ["unlink", this.#key],
      ["srem", this.ctx.keys.queues, this.name],
    ]);
  }

  // --- flow control (edgekiq processes only; Ruby Sidekiq ignores these) ----------------------

  /**
   * Pauses the queue: every edgekiq process stops fetching from it within about a second;
   * running jobs finish and pushes still land. Ruby Sidekiq processes keep fetching.
   */
  async pause(): Promise<void> {
    await this.ctx.redis.call(["sadd", pausedQueuesKey(this.ctx.keys), this.name]);
  }

  async unpause(): Promise<void> {
    await this.ctx.redis.call(["srem", pausedQueuesKey(this.ctx.keys), this.name]);
  }

  async isPaused(): Promise<boolean> {
    const reply = await this.ctx.redis.call([
      "sismember",
      pausedQueuesKey(this.ctx.keys),
      this.name,
    ]);
    return replyNumber(reply) === 1;
  }

  /** The most jobs of this queue in progress across every edgekiq process; undefined: no cap. */
  async limit(): Promise<number | undefined> {
    const reply = replyString(
      await this.ctx.redis.call(["hget", queueCapsKey(this.ctx.keys), this.name]),
    );
    return reply === null ? undefined : Number(reply);
  }

  /** Caps the queue at `n` running jobs fleet-wide (0 holds it, like a pause); null removes it. */
  async setLimit(n: number | null): Promise<void> {
    const key = queueCapsKey(this.ctx.keys);
    if (n === null) {
      await this.ctx.redis.call(["hdel", key, this.name]);
      return;
    }
    if (!Number.isInteger(n) || n < 0) {
      throw new ArgumentError(`Queue#setLimit: a non-negative integer or null, got ${n}`);
    }
    await this.ctx.redis.call(["hset", key, this.name, n]);
  }

  /** Every paused queue's name, and every capped queue's cap (for listings). */
  static async flowStates(
    options: ApiOptions | ApiContext,
  ): Promise<{ paused: string[]; caps: Record<string, number> }> {
    const ctx = toContext(options);
    const [paused, caps] = await ctx.redis.pipeline([
      ["smembers", pausedQueuesKey(ctx.keys)],
      ["hgetall", queueCapsKey(ctx.keys)],
    ]);
    const flat = replyStrings(caps);
    const out: Record<string, number> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = Number(flat[i + 1]);
    return { paused: replyStrings(paused).sort(), caps: out };
  }
}

/** Seconds the oldest job (`LINDEX -1`, null for an empty queue) has waited. */
export function latencyOf(oldest: string | null, nowMs: number): number {
  return oldest === null ? 0 : new JobRecord(oldest).latency(nowMs);
}
