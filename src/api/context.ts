/**
 * What every API class is built from: a Redis door and the key names (with the optional Sidekiq 6
 * namespace), plus small helpers that read raw replies the same way over TCP and over REST (the
 * REST transport may return numbers where TCP returns numeric strings).
 */
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
  let cursor = "0";
  do {
    const reply = replyArray(await ctx.redis.call(["sscan", key, cursor, "COUNT", 1000]));
    cursor = replyString(reply[0]) ?? "0";
    for (const m of replyStrings(reply[1])) members.add(m);
  } while (cursor !== "0");
  return [...members].sort();
}

/** Glob-escapes user text for SCAN's MATCH (`*`, `?`, `[`, `]` and `\` are special). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
