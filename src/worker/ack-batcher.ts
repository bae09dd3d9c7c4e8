/**
 * Batches the commands that finish jobs (retries and deaths: ZADD + LREM of the exact string from
 * the in-progress list; requeues: LREM + RPUSH) into one MULTI per round trip. One batch is in
 * flight at a time; whatever finishes meanwhile goes into the next one, so under load a single
 * round trip finishes many jobs. Each job's commands stay atomic (the whole batch is a MULTI).
 * Plain acknowledgements ride on the next fetch instead (ReliableFetch.ack).
 *
 * The ledger holds each job until its batch is written. On a Redis error the batch is kept and
 * retried with a backoff: the jobs stay in the in-progress list and in the ledger meanwhile, so
 * nothing is lost; if the process dies first they run again (at least once).
 */
import type { RedisClient, RedisCommand } from "../redis/types";
import type { Ledger } from "./ledger";

export class AckBatcher {
  #pending: RedisCommand[] = [];
  /** The ledger entries whose commands are in `#pending`. */
  #pendingJobs: number[] = [];
  #flushing: Promise<void> | undefined;
  #failures = 0;

  constructor(
    private readonly redis: Pick<RedisClient, "multi">,
    private readonly ledger: Pick<Ledger, "release">,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues the commands that finish the job held as `entry`, for the next batch. */
  add(entry: number, commands: readonly RedisCommand[]): void {
    for (const c of commands) this.#pending.push(c);
    this.#pendingJobs.push(entry);
    if (!this.#flushing) this.#flushing = this.#run();
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
      const jobs = this.#pendingJobs;
      this.#pending = [];
      this.#pendingJobs = [];
      try {
        await this.redis.multi(batch);
        this.#failures = 0;
        for (const entry of jobs) this.ledger.release(entry);
      } catch (err) {
        this.#pending = batch.concat(this.#pending);
        this.#pendingJobs = jobs.concat(this.#pendingJobs);
        this.#failures++;
        this.onError(err);
        await sleep(Math.min(100 * 2 ** this.#failures, 5000));
      }
    }
    this.#flushing = undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
