/**
 * Batches the commands that finish jobs (acknowledgements: LREM of the exact string from the
 * in-progress list; retries and deaths: ZADD + LREM) into one MULTI per round trip. One batch is
 * in flight at a time; whatever finishes meanwhile goes into the next one, so under load a single
 * round trip acknowledges many jobs. Each job's commands stay atomic (the whole batch is a MULTI).
 *
 * On a Redis error the batch is kept and retried with a backoff: the jobs stay in the in-progress
 * list meanwhile, so nothing is lost; if the process dies first they run again (at least once).
 */
import type { RedisClient, RedisCommand } from "../redis/types";

export class AckBatcher {
  #pending: RedisCommand[] = [];
  #inFlight: RedisCommand[] = [];
  #flushing: Promise<void> | undefined;
  #failures = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues commands for the next batch. */
  add(commands: readonly RedisCommand[]): void {
    for (const c of commands) this.#pending.push(c);
    if (!this.#flushing) this.#flushing = this.#run();
  }

  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Calls `fn(key, json)` for every LREM not yet known to be written (queued or in flight): the
   * jobs they remove still sit in their in-progress lists, and are still this process's.
   */
  forEachPendingRemoval(fn: (key: string, json: string) => void): void {
    for (const batch of [this.#pending, this.#inFlight]) {
      for (const c of batch) if (c[0] === "lrem") fn(String(c[1]), String(c[3]));
    }
  }

  /** Resolves when everything queued so far is written (retrying through Redis errors). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #run(): Promise<void> {
    // Let the jobs finishing in this tick join the batch.
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      this.#inFlight = batch;
      try {
        await this.redis.multi(batch);
        this.#failures = 0;
      } catch (err) {
        this.#pending = batch.concat(this.#pending);
        this.#failures++;
        this.onError(err);
        await sleep(Math.min(100 * 2 ** this.#failures, 5000));
      } finally {
        this.#inFlight = [];
      }
    }
    this.#flushing = undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
