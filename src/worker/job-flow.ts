/**
 * What the processor does for flow-controlled jobs (issue 16), kept apart so a plain job pays a
 * property check and nothing else:
 *
 * - Unique jobs (`edgekiq_unique` in the payload, core/unique.ts): the lock is released when the
 *   job starts or succeeds (per `until`) and when it dies, never on a retry. A release names the
 *   jid, so a lock that expired and was taken by a newer push is left alone. A release that fails
 *   is reported, not thrown: the lock then expires after its `for` seconds.
 * - Expiring jobs (`edgekiq_expires_at`, epoch seconds): a job fetched after its deadline is
 *   dropped (acknowledged, not run), logged and counted in `edgekiq:expired`.
 */
import type { JobPayload } from "../core/job";
import type { Keys } from "../core/keys";
import type { UniqueMark } from "../core/unique";
import { uniqueKey } from "../core/unique";
import { uniqueRelease } from "../redis/scripts/index.gen";
import type { RedisClient, RedisCommand } from "../redis/types";
import type { Report } from "./exception-handler";

/** Where the worker counts dropped expired jobs. */
export function expiredCounterKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:expired`;
}

export class JobFlow {
  constructor(
    private readonly redis: Pick<RedisClient, "call" | "evalScript">,
    private readonly keys: Keys,
    private readonly report: Report,
  ) {}

  /** True when the job carries a deadline that has passed. */
  isExpired(payload: JobPayload, nowMs = Date.now()): boolean {
    const at = payload.edgekiq_expires_at;
    return typeof at === "number" && nowMs / 1000 > at;
  }

  /** What drops an expired job, besides its acknowledgement: count it, free its unique lock. */
  expiredCommands(payload: JobPayload): RedisCommand[] {
    const release = this.releaseCommand(payload, "dead");
    const count: RedisCommand = ["incr", expiredCounterKey(this.keys)];
    return release ? [count, release] : [count];
  }

  /**
   * The command that releases the job's unique lock if `moment` is when it should go ("start" and
   * "success" per the job's `until`, "dead" always), to run in the same batched MULTI as the
   * job's acknowledgement or death: no round trip of its own. EVAL, not EVALSHA, since a MULTI
   * cannot fall back on NOSCRIPT; Redis caches the compiled script by its text.
   */
  releaseCommand(
    payload: JobPayload,
    moment: "start" | "success" | "dead",
  ): RedisCommand | undefined {
    const mark = payload.edgekiq_unique as UniqueMark | undefined;
    if (!mark || typeof mark.digest !== "string") return undefined;
    if (moment !== "dead" && (mark.until ?? "success") !== moment) return undefined;
    return ["eval", uniqueRelease.lua, 1, uniqueKey(this.keys, mark.digest), payload.jid];
  }

  /** Releases the lock now (at start, where no write follows), as `releaseCommand` decides. */
  async release(payload: JobPayload, moment: "start" | "success" | "dead"): Promise<void> {
    const mark = payload.edgekiq_unique as UniqueMark | undefined;
    if (!mark || typeof mark.digest !== "string") return;
    if (moment !== "dead" && (mark.until ?? "success") !== moment) return;
    try {
      await this.redis.evalScript(
        uniqueRelease,
        [uniqueKey(this.keys, mark.digest)],
        [payload.jid],
      );
    } catch (err) {
      this.report(err, {
        context: "Error releasing a unique lock; it expires on its own",
        job: payload,
      });
    }
  }
}
