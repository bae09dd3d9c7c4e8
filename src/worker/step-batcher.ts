/**
 * Finishes the jobs that carry a batch id (`bid`) or ask for their result (`result_ttl`): their
 * acknowledgement, retry or dead writes, stored result and batch bookkeeping go to Redis as one
 * atomic step per job (batch-step.lua, "finish"), many jobs per call. Plain jobs never come here
 * (their acks ride on the next fetch, their failures go through AckBatcher), so they pay nothing.
 *
 * As AckBatcher: one call in flight; what finishes meanwhile joins the next; on a Redis error the
 * steps are kept and retried with a backoff, the jobs staying held in the ledger and in the
 * in-progress list. A step sent twice (the reply was lost) counts once: the script counts only
 * when its LREM removed the job.
 */
import type { Keys } from "../core/keys";
import { batchStep } from "../redis/scripts/index.gen";
import type { RedisArg, RedisClient, RedisCommand } from "../redis/types";
import { sleep } from "./ack-batcher";
import type { Ledger } from "./ledger";

/** Most jobs per script call, so one call never holds Redis for long. */
const MAX_STEPS_PER_CALL = 200;

export type StepOutcome = "ok" | "retry" | "dead";

export interface FinishStep {
  /** The in-progress list holding the job, and its exact string (the ack). */
  inProgressKey: string;
  json: string;
  jid: string;
  /** "" when the job is in no batch. */
  bid: string;
  outcome: StepOutcome;
  /** Seconds to keep the result; 0 when the job did not ask for it. */
  resultTtl: number;
  /** The result (`{"ok":true,"value":…}`) or the error JSON. */
  value: string;
  /** Retry or dead writes, run in the same step. */
  commands: readonly RedisCommand[];
}

export class StepBatcher {
  #pending: RedisArg[][] = [];
  #pendingJobs: number[] = [];
  #flushing: Promise<void> | undefined;
  #failures = 0;

  constructor(
    private readonly redis: Pick<RedisClient, "evalScript">,
    private readonly keys: Keys,
    private readonly ledger: Pick<Ledger, "release">,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(entry: number, step: FinishStep): void {
    const args: RedisArg[] = [
      step.inProgressKey,
      step.json,
      step.jid,
      step.bid,
      step.outcome,
      step.resultTtl,
      step.value,
      step.commands.length,
    ];
    for (const c of step.commands) args.push(c.length, ...c);
    this.#pending.push(args);
    this.#pendingJobs.push(entry);
    if (!this.#flushing) this.#flushing = this.#run();
  }

  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #run(): Promise<void> {
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const steps = this.#pending.splice(0, MAX_STEPS_PER_CALL);
      const jobs = this.#pendingJobs.splice(0, steps.length);
      try {
        await this.redis.evalScript(
          batchStep,
          [],
          ["finish", this.keys.prefix, steps.length, ...steps.flat()],
        );
        this.#failures = 0;
        for (const entry of jobs) this.ledger.release(entry);
      } catch (err) {
        this.#pending = steps.concat(this.#pending);
        this.#pendingJobs = jobs.concat(this.#pendingJobs);
        this.#failures++;
        this.onError(err);
        await sleep(Math.min(100 * 2 ** this.#failures, 5000));
      }
    }
    this.#flushing = undefined;
  }
}
