/**
 * `cronTick({ redis, periodic, now? })`: enqueues every periodic entry's due tick, for a
 * Cloudflare Cron Trigger, a Vercel Cron route or any scheduler that calls a function now and
 * then. No worker needed, and safe beside workers that tick the same table: each entry's tick is
 * one call of `periodic-tick-5.lua` (marker and push, atomic), so whoever comes second pushes
 * nothing.
 *
 * Stateless: each call sends every entry its latest due tick (or latest `maxMissed` for
 * `missed: "all"`) and lets the script keep only the ticks past the marker, all entries in one
 * pipeline (one HTTP request over REST). Each call also declares the entries in the registry for
 * `registryTtl` seconds, so the dashboard lists them.
 */

import { periodicTick } from "../../redis/scripts/index.gen";
import type { RedisCommand } from "../../redis/types";
import { type TimestampUnit, timestampToMs } from "../clock";
import { ConfigError, RedisReplyError } from "../errors";
import { Keys } from "../keys";
import { type RedisInput, toRedisClient } from "../redis-input";
import { dueTicks } from "./entry";
import { checkEntryArgs, checkTable, tickCall, tickOutcome } from "./tick";

export interface CronTickOptions {
  /** An @upstash/redis instance, `{ url, token }`, an ioredis instance or a `RedisClient`. */
  redis: RedisInput;
  /** The periodic table: entries made with `periodic(...)`. */
  periodic: readonly unknown[];
  /** The time to tick at (a Date or epoch ms); default now. E.g. a Cron Trigger's `scheduledTime`. */
  now?: Date | number;
  /** Sidekiq 6 redis-namespace prefix. */
  namespace?: string;
  /** How the pushed jobs' `created_at`/`enqueued_at` are written. Default "seconds". */
  timestamps?: TimestampUnit;
  /**
   * Seconds the registry lists these entries after this call (default 600): longer than the time
   * between two calls, or the dashboard shows an entry only now and then.
   */
  registryTtl?: number;
}

export interface CronTickEntryResult {
  name: string;
  /** Jobs this call pushed for the entry. */
  pushed: number;
  /** The newest tick enqueued so far (epoch ms), by this call or anyone before. */
  last: number | undefined;
  paused: boolean;
}

export interface CronTickResult {
  pushed: number;
  entries: CronTickEntryResult[];
}

export async function cronTick(options: CronTickOptions): Promise<CronTickResult> {
  const entries = checkTable(options.periodic, "cronTick");
  const redis = toRedisClient(options.redis);
  const keys = new Keys(options.namespace);
  const timestamps = options.timestamps ?? "seconds";
  const nowMs =
    options.now === undefined
      ? Date.now()
      : options.now instanceof Date
        ? options.now.getTime()
        : timestampToMs(options.now);
  if (nowMs === undefined || !Number.isFinite(nowMs)) {
    throw new ConfigError("cronTick: `now` must be a Date or epoch milliseconds");
  }
  const ttl = options.registryTtl ?? 600;
  if (!(typeof ttl === "number" && ttl > 0)) {
    throw new ConfigError("cronTick: registryTtl must be a positive number of seconds");
  }
  await Promise.all(entries.map(checkEntryArgs));
  if (entries.length === 0) return { pushed: 0, entries: [] };

  const calls = entries.map((entry) =>
    tickCall(keys, entry, dueTicks(entry, nowMs), {
      nowMs,
      timestamps,
      declareUntil: nowMs + ttl * 1000,
    }),
  );
  const send = (byText: boolean) =>
    redis.pipeline(
      calls.map(
        (c): RedisCommand => [
          byText ? "eval" : "evalsha",
          byText ? periodicTick.lua : periodicTick.sha1,
          c.keys.length,
          ...c.keys,
          ...c.args,
        ],
      ),
    );
  let replies: unknown[];
  try {
    replies = await send(false);
  } catch (err) {
    if (!(err instanceof RedisReplyError && err.redisCode === "NOSCRIPT")) throw err;
    // The script cache was flushed. Calls that ran already left markers, so sending them all
    // again by text pushes nothing twice.
    replies = await send(true);
  }
  const results = entries.map((entry, i) => ({
    name: entry.name,
    ...tickOutcome(replies[i] as never),
  }));
  return { pushed: results.reduce((n, r) => n + r.pushed, 0), entries: results };
}
