/**
 * Paused queues and per-queue caps across the fleet, as this worker sees them: read from Redis at
 * start and then once a second (one pipelined round trip), so every edgekiq process stops
 * fetching from a queue within about a second of `Queue#pause()`.
 *
 * 1. A paused queue leaves the fetch order and is not blocked on; jobs already fetched finish.
 *    (A BLMOVE already waiting on it when the pause lands may still take one job, once.)
 * 2. A capped queue is fetched by fetch-capped.lua, which counts that queue's jobs in every
 *    process's in-progress list and moves no more than the cap leaves room for. It is never
 *    blocked on (a BLMOVE cannot count), so it is polled: on every finished job of this worker and
 *    at each refresh, which is how room freed by another process is seen within a second.
 * 3. With nothing paused or capped, the manager's fetch and blocking are exactly as before.
 */
import type { Keys } from "../core/keys";
import { pausedQueuesKey, queueCapsKey } from "../core/queue-state-keys";
import type { RedisClient } from "../redis/types";
import type { Report } from "./exception-handler";

/** How often the states are read again. */
export const QUEUE_STATE_REFRESH_SECONDS = 1;

export class QueueStates {
  /** Indexes (into the worker's queues) of paused queues. */
  paused: ReadonlySet<number> = new Set();
  /** Queue index -> cap, for capped queues. */
  caps: ReadonlyMap<number, number> = new Map();

  constructor(
    private readonly redis: Pick<RedisClient, "pipeline">,
    private readonly keys: Keys,
    private readonly queues: readonly string[],
    /** Called after every refresh that found a paused or capped queue, or a change. */
    private readonly onRefresh: () => void,
    private readonly report: Report,
  ) {}

  /** True when nothing is paused or capped: the fetch path is the plain one. */
  get plain(): boolean {
    return this.paused.size === 0 && this.caps.size === 0;
  }

  /** Reads both states; on a Redis error the last known states stay. */
  async refresh(): Promise<void> {
    let replies: unknown[];
    try {
      replies = await this.redis.pipeline([
        ["smismember", pausedQueuesKey(this.keys), ...this.queues],
        ["hmget", queueCapsKey(this.keys), ...this.queues],
      ]);
    } catch (err) {
      this.report(err, { context: "Error reading paused and capped queues" });
      return;
    }
    const wasPlain = this.plain;
    const paused = new Set<number>();
    const caps = new Map<number, number>();
    const [flags, limits] = replies as [unknown[], unknown[]];
    this.queues.forEach((_, i) => {
      if (Number(flags[i]) === 1) paused.add(i);
      const cap = limits[i] === null || limits[i] === undefined ? Number.NaN : Number(limits[i]);
      if (Number.isInteger(cap) && cap >= 0) caps.set(i, cap);
    });
    this.paused = paused;
    this.caps = caps;
    if (!(wasPlain && this.plain)) this.onRefresh();
  }

  /** `order` without paused queues. */
  filter(order: readonly number[]): readonly number[] {
    return this.paused.size === 0 ? order : order.filter((i) => !this.paused.has(i));
  }

  /** Whether the manager may block (BLMOVE) on queue `i`. */
  blockable(i: number): boolean {
    return !this.paused.has(i) && !this.caps.has(i);
  }
}
