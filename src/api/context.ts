/**
 * What every API class is built from: a Redis door and the key names (with the optional Sidekiq 6
 * namespace), plus small helpers that read raw replies the same way over TCP and over REST (the
 * REST transport may return numbers where TCP returns numeric strings).
 */
import { ArgumentError } from "../core/errors";
import { Keys } from "../core/keys";
import { type RedisInput, toRedisClient } from "../core/redis-input";
import type { RedisClient, RedisReply } from "../redis/types";

export interface ApiOptions {
  /** An ioredis instance, an @upstash/redis instance, or a `RedisClient`. */
  redis: RedisInput;
  /** Sidekiq 6 `redis-namespace` prefix, if the fleet uses one. */
  namespace?: string;
}

export interface ApiContext {
  readonly redis: RedisClient;
  readonly keys: Keys;
}

export function toContext(options: ApiOptions | ApiContext): ApiContext {
  if (options.redis && "keys" in options && options.keys instanceof Keys) {
    return options as ApiContext;
  }
  const o = options as ApiOptions;
  return { redis: toRedisClient(o.redis), keys: new Keys(o.namespace) };
}

export function replyNumber(reply: RedisReply | undefined): number {
  if (typeof reply === "number") return reply;
  if (typeof reply === "string") {
    const n = Number(reply);
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}

export function replyString(reply: RedisReply | undefined): string | null {
  if (typeof reply === "string") return reply;
  if (typeof reply === "number") return String(reply);
  return null;
}

export function replyArray(reply: RedisReply | undefined): RedisReply[] {
  return Array.isArray(reply) ? reply : [];
}

export function replyStrings(reply: RedisReply | undefined): string[] {
  return replyArray(reply).map((r) => replyString(r) ?? "");
}

/** HGETALL's flat `[field, value, ...]` reply (or an object from a REST client) as a Map. */
export function replyHash(reply: RedisReply | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      out.set(replyString(reply[i]) ?? "", replyString(reply[i + 1]) ?? "");
    }
  } else if (reply && typeof reply === "object") {
    for (const [k, v] of Object.entries(reply as Record<string, unknown>)) {
      out.set(k, typeof v === "string" ? v : JSON.stringify(v));
    }
  }
  return out;
}

/** Every member of a set (SSCAN, never SMEMBERS on a set that may be large), sorted. */
export async function scanSet(ctx: ApiContext, key: string): Promise<string[]> {
  const members = new Set<string>();
  let cursor: string | undefined = "0";
  do {
    const window = await scanSetWindow(ctx, key, { cursor, count: 1000, maxCalls: 1 });
    for (const m of window.members) members.add(m);
    cursor = window.next;
  } while (cursor !== undefined);
  return [...members].sort();
}

export interface SetWindowOptions {
  /** Where to start: "0" (the default) or a `next` from the previous window. */
  cursor?: string;
  /** Members wanted; SSCAN's COUNT hint, so a window may hold a few more. */
  count: number;
  /** SSCAN's MATCH glob (see `globEscape`). */
  match?: string;
  /** SSCAN calls at most (default 10): a sparse MATCH ends the window early, with a `next`. */
  maxCalls?: number;
}

export interface SetWindow {
  /** Sorted within the window; across windows in the set's scan order. */
  members: string[];
  /** The cursor of the next window; undefined when the set has been walked through. */
  next: string | undefined;
}

/**
 * One window of a set: SSCAN from `cursor` until `count` members are in hand, the set ends, or
 * `maxCalls` calls were made, so its cost is bounded however large the set is. As with every
 * SCAN, a member present throughout is seen at least once; it may show up in two windows if the
 * set grows meanwhile.
 */
export async function scanSetWindow(
  ctx: ApiContext,
  key: string,
  { cursor = "0", count, match, maxCalls = 10 }: SetWindowOptions,
): Promise<SetWindow> {
  if (!isScanCursor(cursor)) throw new ArgumentError(`not a scan cursor: ${cursor}`);
  const members = new Set<string>();
  let next = cursor;
  for (let calls = 0; calls < maxCalls; calls++) {
    const command = match === undefined ? [] : ["MATCH", match];
    const reply = replyArray(
      await ctx.redis.call(["sscan", key, next, ...command, "COUNT", count]),
    );
    next = replyString(reply[0]) ?? "0";
    for (const m of replyStrings(reply[1])) members.add(m);
    if (next === "0" || members.size >= count) break;
  }
  return { members: [...members].sort(), next: next === "0" ? undefined : next };
}

/** A SCAN cursor as Redis prints it: an unsigned 64-bit integer in decimal. */
export function isScanCursor(text: string): boolean {
  return /^\d{1,20}$/.test(text);
}

/** Glob-escapes user text for SCAN's MATCH (`*`, `?`, `[`, `]` and `\` are special). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
