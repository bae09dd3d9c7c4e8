/**
 * Flow-control states for the API and the dashboard (issue 16): unique locks (how many, which
 * lock a job holds, how many pushes were refused) and limiters (kind, limit, in use, refusals).
 * Paused and capped queues are on `Queue` (queue.ts). Reads only; the worker and the client write.
 */
import {
  type LimiterKind,
  limiterIndexKey,
  limiterKey,
  limiterOverKey,
} from "../core/limiter-keys";
import { type UniqueMark, uniqueDigest, uniqueDuplicatesKey, uniqueKey } from "../core/unique";
import {
  type ApiContext,
  type ApiOptions,
  globEscape,
  replyArray,
  replyNumber,
  replyString,
  replyStrings,
  toContext,
} from "./context";

export interface UniqueLockInfo {
  key: string;
  /** The jid holding the lock, or null when none does (released or expired). */
  holder: string | null;
  /** Seconds left; -2 when there is no lock. */
  ttl: number;
}

export class UniqueLocks {
  readonly ctx: ApiContext;
  constructor(options: ApiOptions | ApiContext) {
    this.ctx = toContext(options);
  }

  /** Locks held now, counted by SCAN (bounded by `max`, so a huge keyspace costs a bounded walk). */
  async count(max = 100_000): Promise<number> {
    const prefix = uniqueKey(this.ctx.keys, "");
    const pattern = `${globEscape(prefix)}${"?".repeat(64)}`;
    let cursor = "0";
    let n = 0;
    do {
      const reply = replyArray(
        await this.ctx.redis.call(["scan", cursor, "match", pattern, "count", 1000]),
      );
      cursor = replyString(reply[0]) ?? "0";
      n += replyArray(reply[1]).length;
    } while (cursor !== "0" && n < max);
    return n;
  }

  /** Pushes refused because the lock was held, ever. */
  async duplicates(): Promise<number> {
    return replyNumber(await this.ctx.redis.call(["get", uniqueDuplicatesKey(this.ctx.keys)]));
  }

  /** The lock a job of this class, queue and args takes (`by` not applied: pass its result). */
  async forArgs(className: string, queue: string, args: unknown): Promise<UniqueLockInfo> {
    return this.#info(uniqueKey(this.ctx.keys, await uniqueDigest(className, queue, args)));
  }

  async #info(key: string): Promise<UniqueLockInfo> {
    const [holder, ttl] = await this.ctx.redis.pipeline([
      ["get", key],
      ["ttl", key],
    ]);
    return { key, holder: replyString(holder), ttl: replyNumber(ttl) };
  }

  /** The lock of a job (its payload or payload JSON), or undefined if it is not a unique job. */
  async forJob(job: string | Record<string, unknown>): Promise<UniqueLockInfo | undefined> {
    const payload = typeof job === "string" ? (JSON.parse(job) as Record<string, unknown>) : job;
    const mark = payload.edgekiq_unique as UniqueMark | undefined;
    if (!mark || typeof mark.digest !== "string") return undefined;
    return this.#info(uniqueKey(this.ctx.keys, mark.digest));
  }
}

export interface LimiterState {
  name: string;
  kind: LimiterKind;
  limit: number;
  /** Seconds: the interval, or a concurrent limiter's lockTimeout. */
  seconds: number;
  /** Leases held (concurrent), admissions in the current window or slot, or the leaky level. */
  inUse: number;
  /** Times `within` gave up waiting (each one a rescheduled job in a worker). */
  overLimit: number;
}

/** Every limiter a worker has used, with its state now (read from Redis's clock). */
export async function limiterStates(options: ApiOptions | ApiContext): Promise<LimiterState[]> {
  const ctx = toContext(options);
  const flat = replyStrings(await ctx.redis.call(["hgetall", limiterIndexKey(ctx.keys)]));
  const time = replyStrings(await ctx.redis.call(["time"]));
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const out: LimiterState[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!;
    let info: { kind: LimiterKind; limit: number; ms: number };
    try {
      info = JSON.parse(flat[i + 1]!);
    } catch {
      continue;
    }
    const key = limiterKey(ctx.keys, name);
    const state = (() => {
      switch (info.kind) {
        case "concurrent":
          return ["zcount", key, `(${now}`, "+inf"] as const;
        case "window":
          return ["zcount", key, `(${now - info.ms}`, "+inf"] as const;
        case "bucket":
          return ["get", `${key}:${Math.floor(now / info.ms)}`] as const;
        default:
          return ["hmget", key, "level", "at"] as const;
      }
    })();
    const [reply, over] = await ctx.redis.pipeline([
      state,
      ["get", limiterOverKey(ctx.keys, name)],
    ]);
    let inUse: number;
    if (info.kind === "leaky") {
      const [level, at] = replyStrings(reply);
      inUse = Math.max(0, Number(level || 0) - ((now - Number(at || now)) * info.limit) / info.ms);
    } else inUse = replyNumber(reply);
    out.push({
      name,
      kind: info.kind,
      limit: info.limit,
      seconds: info.ms / 1000,
      inUse: Math.round(inUse * 100) / 100,
      overLimit: replyNumber(over),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
