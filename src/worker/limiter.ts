/**
 * Redis-backed limiters shared by every process (Sidekiq Enterprise's `Sidekiq::Limiter`, in the
 * open): `Limiter.concurrent`, `.window`, `.bucket` and `.leaky`, used as
 * `await limiter.within(async () => ...)` inside a handler or declared on a job definition
 * (`limits: [...]`), where the worker wraps the handler in them.
 *
 * 1. Every admission is one atomic Lua call on the Redis clock (limiter-acquire-2.lua). A
 *    concurrent lease is a sorted-set member that expires after `lockTimeout`, so a process that
 *    dies frees its leases; a lease is granted only while fewer than N unexpired ones are held,
 *    so it is never granted twice.
 * 2. Refused, `within` waits (sleeping for the hint the script returns, at most 250 ms at a time)
 *    up to `waitTimeout`, then throws `OverLimitError`. The worker does not count that as a
 *    failure: it reschedules the job with a backoff that grows with each reschedule, up to
 *    `maxReschedules` (then it is an ordinary failure, with retries).
 * 3. Redis: the limiter's own `redis` option, else the first worker started in this process
 *    binds every limiter to its connection (Sidekiq's limiters use the global Sidekiq.redis).
 */
import { randomHex } from "../core/bytes";
import { ConfigError, EdgekiqError } from "../core/errors";
import { Keys } from "../core/keys";
import {
  type LimiterKind,
  limiterIndexKey,
  limiterKey,
  limiterOverKey,
} from "../core/limiter-keys";
import { limiterAcquire } from "../redis/scripts/index.gen";
import type { RedisClient } from "../redis/types";
import { sleep } from "./ack-batcher";

/** A limiter refused for longer than its `waitTimeout`. The worker reschedules the job. */
export class OverLimitError extends EdgekiqError {
  override readonly name = "OverLimitError";
  readonly code = "OVER_LIMIT";
  constructor(readonly limiter: string) {
    super(`Limiter "${limiter}" is over its limit`);
  }
}

export interface LimiterOptions {
  /** Seconds `within` waits for room before throwing OverLimitError (default 5; 0: no wait). */
  waitTimeout?: number;
  /** The Redis to use; default: the first worker's (see the module comment). */
  redis?: RedisClient;
  namespace?: string;
}

export interface ConcurrentOptions extends LimiterOptions {
  /** Seconds a lease lives at most, so a dead process frees it (default 300). */
  lockTimeout?: number;
}

let defaultBinding: { redis: RedisClient; keys: Keys } | undefined;

/** Makes `redis` the limiters' Redis where they name none, unless one was set already. */
export function bindLimiters(redis: RedisClient, keys: Keys): void {
  defaultBinding ??= { redis, keys };
}

export class Limiter {
  readonly #ms: number;
  readonly #waitMs: number;
  readonly #options: LimiterOptions;
  #registered = false;

  private constructor(
    readonly kind: LimiterKind,
    readonly name: string,
    readonly limit: number,
    ms: number,
    options: LimiterOptions,
  ) {
    if (typeof name !== "string" || name === "") {
      throw new ConfigError("Limiter: a name is required");
    }
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigError(`Limiter "${name}": the limit must be a positive integer`);
    }
    if (!(ms > 0)) throw new ConfigError(`Limiter "${name}": the interval must be > 0`);
    this.#ms = Math.ceil(ms);
    this.#waitMs = (options.waitTimeout ?? 5) * 1000;
    this.#options = options;
  }

  /** At most `n` holders at once across the fleet; a lease expires after `lockTimeout` s. */
  static concurrent(name: string, n: number, options: ConcurrentOptions = {}): Limiter {
    return new Limiter("concurrent", name, n, (options.lockTimeout ?? 300) * 1000, options);
  }
  /** At most `n` admissions in any `interval` seconds (a sliding window). */
  static window(name: string, n: number, interval: number, options: LimiterOptions = {}): Limiter {
    return new Limiter("window", name, n, interval * 1000, options);
  }
  /** `n` admissions per `interval` seconds, counted in fixed slots (Sidekiq's bucket). */
  static bucket(name: string, n: number, interval: number, options: LimiterOptions = {}): Limiter {
    return new Limiter("bucket", name, n, interval * 1000, options);
  }
  /** A leaky bucket of `n` that drains `n` per `interval` seconds, evenly. */
  static leaky(name: string, n: number, interval: number, options: LimiterOptions = {}): Limiter {
    return new Limiter("leaky", name, n, interval * 1000, options);
  }

  /** Runs `fn` once admitted; throws OverLimitError after `waitTimeout` without room. */
  async within<T>(fn: () => T | Promise<T>): Promise<T> {
    const { redis, keys } = this.#binding();
    const token = randomHex(12);
    await this.#acquire(redis, keys, token);
    try {
      return await fn();
    } finally {
      // Not awaited: the caller goes on while the lease is returned (held a moment longer, which
      // can only refuse someone, never admit too many); a lost reply leaves it to lockTimeout.
      if (this.kind === "concurrent") {
        redis.call(["zrem", limiterKey(keys, this.name), token]).catch(() => undefined);
      }
    }
  }

  /** In payloads (a definition's options are copied there): the limiter's name only. */
  toJSON(): string {
    return `${this.kind}:${this.name}`;
  }

  #binding(): { redis: RedisClient; keys: Keys } {
    if (this.#options.redis) {
      return { redis: this.#options.redis, keys: new Keys(this.#options.namespace) };
    }
    if (!defaultBinding) {
      throw new ConfigError(
        `Limiter "${this.name}": no Redis; pass { redis } or start a Worker first`,
      );
    }
    return defaultBinding;
  }

  async #acquire(redis: RedisClient, keys: Keys, token: string): Promise<void> {
    if (!this.#registered) {
      this.#registered = true;
      const info = JSON.stringify({ kind: this.kind, limit: this.limit, ms: this.#ms });
      await redis.call(["hset", limiterIndexKey(keys), this.name, info]).catch(() => {
        this.#registered = false;
      });
    }
    const deadline = Date.now() + this.#waitMs;
    const stateKeys = [limiterKey(keys, this.name)];
    for (;;) {
      const [ok, hint] = (await redis.evalScript(limiterAcquire, stateKeys, [
        this.kind,
        this.limit,
        this.#ms,
        token,
      ])) as [number, number];
      if (Number(ok) === 1) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        await redis.call(["incr", limiterOverKey(keys, this.name)]).catch(() => undefined);
        throw new OverLimitError(this.name);
      }
      await sleep(Math.min(Number(hint) || 10, 250, left));
    }
  }
}
