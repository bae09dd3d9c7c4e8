/**
 * Keys of the Redis-backed limiters (worker/limiter.ts), shared with the API that lists their
 * states. Functions, not `Keys` methods, so the edge client never carries them.
 */
import type { Keys } from "./keys";

/** A limiter's state (a sorted set, a counter prefix or a hash, by kind). */
export function limiterKey(keys: Keys, name: string): string {
  return `${keys.prefix}edgekiq:limiter:${name}`;
}

/** How many times the limiter refused, ever. */
export function limiterOverKey(keys: Keys, name: string): string {
  return `${keys.prefix}edgekiq:limiter-over:${name}`;
}

/** The hash name -> JSON { kind, limit, ms } of every limiter a worker has used (for listings). */
export function limiterIndexKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:limiters`;
}

export type LimiterKind = "concurrent" | "window" | "bucket" | "leaky";
