/**
 * Batches (Sidekiq Pro's `Sidekiq::Batch`): a group of jobs with callbacks that fire exactly once.
 * Edge-safe, and imported only by apps that use it (the client-only edge bundle stays as it was).
 *
 * 1. `new Batch(client, { description, callbacks, parent, expiresIn })`, then `batch.add(jobs =>
 *    ...)`: the jobs pushed inside one `add` are counted and pushed in one atomic script call
 *    (a job is counted before any worker can fetch it), the batch created on first use. Jobs
 *    carry `"bid"` as Sidekiq Pro's do. An `add` with no jobs on a new batch completes it at once.
 * 2. A running batch job adds to its own batch with `Batch.open(client, ctx.payload.bid)`: it is
 *    itself still pending, so the batch cannot complete meanwhile. A batch created with
 *    `parent: ctx.payload.bid` is a child: the parent succeeds only after it does.
 * 3. Callbacks (success, complete, death) are jobs, stored as payloads at creation and pushed by
 *    the worker's finish step that causes the event, in that same atomic step: exactly once.
 */

import { batchStep } from "../../redis/scripts/index.gen";
import type { RedisArg } from "../../redis/types";
import type { Client, PushItem } from "../client";
import type { JobArgs, JobDefinition } from "../define-job";
import { ConfigError } from "../errors";
import { dumpJob } from "../json";
import { type CapturedJob, PayloadBuilder } from "./capture";
import { BATCH_EXPIRY_SECONDS, newBid } from "./keys";
import { type BatchStatus, batchStatus } from "./status";

/** Events a batch fires; `settled` (every pending job died) is what `flow` uses for "ignore". */
export type BatchEvent = "success" | "complete" | "death" | "settled";

/** A callback: a job to push when the event happens (Sidekiq Pro's `on(:success, Klass, opts)`). */
export type BatchCallback = PushItem;

export interface BatchOptions {
  description?: string;
  callbacks?: Partial<Record<BatchEvent, BatchCallback>>;
  /** The batch this one belongs to (inside a batch job: `ctx.payload.bid`). */
  parent?: string;
  /** Seconds the batch's data lives (default 30 days, Sidekiq Pro's). */
  expiresIn?: number;
}

/** Most jobs one `add` may push (one script call; the bridge's body limit allows it). */
export const BATCH_ADD_MAX = 10_000;

/** What an `add` callback pushes into the batch. */
export class BatchJobs {
  readonly jobs: CapturedJob[] = [];
  constructor(
    private readonly builder: PayloadBuilder,
    private readonly bid: string,
  ) {}

  /** Adds one job (Sidekiq's item hash); resolves to its jid. */
  async push(item: PushItem): Promise<string | null> {
    if (this.jobs.length >= BATCH_ADD_MAX) {
      throw new ConfigError(`a batch add holds at most ${BATCH_ADD_MAX} jobs; call add again`);
    }
    const job = await this.builder.build({ ...item, bid: this.bid });
    if (job) this.jobs.push(job);
    return job ? job.jid : null;
  }

  performAsync<D extends JobDefinition<any, any>>(
    job: D | string,
    ...args: JobArgs<D>
  ): Promise<string | null> {
    return this.push({ ...(typeof job === "string" ? {} : job.options), class: job, args });
  }
}

export class Batch {
  readonly bid: string;
  readonly #client: Client;
  readonly #options: BatchOptions;
  readonly #builder: PayloadBuilder;

  constructor(client: Client, options: BatchOptions = {}, bid?: string) {
    const expiresIn = options.expiresIn ?? BATCH_EXPIRY_SECONDS;
    if (!(Number.isInteger(expiresIn) && expiresIn > 0)) {
      throw new ConfigError(`Batch: expiresIn must be a positive whole number of seconds`);
    }
    this.#client = client;
    this.#options = { ...options, expiresIn };
    this.#builder = new PayloadBuilder(client);
    this.bid = bid ?? newBid();
  }

  /** An existing batch, to add jobs to (e.g. from one of its own jobs: `ctx.payload.bid`). */
  static open(client: Client, bid: string): Batch {
    if (typeof bid !== "string" || bid === "") {
      throw new ConfigError("Batch.open: pass the batch id (a job's `payload.bid`)");
    }
    return new Batch(client, {}, bid);
  }

  /** The batch's counts and state, or null when it does not exist (never created, or expired). */
  static status(client: Client, bid: string): Promise<BatchStatus | null> {
    return batchStatus(client.redis, client.keys, bid);
  }

  /** This batch's status (see `Batch.status`). */
  status(): Promise<BatchStatus | null> {
    return Batch.status(this.#client, this.bid);
  }

  /**
   * Runs `fill`, which pushes jobs into the batch, then counts and pushes them all in one atomic
   * step. Resolves to the jids pushed. The first `add` creates the batch.
   */
  async add(fill?: (jobs: BatchJobs) => unknown): Promise<string[]> {
    const jobs = new BatchJobs(this.#builder, this.bid);
    if (fill) await fill(jobs);
    await this.write(jobs.jobs);
    return jobs.jobs.map((j) => j.jid);
  }

  /** Counts and pushes already built jobs (used by `add` and `flow`). */
  async write(
    jobs: readonly CapturedJob[],
    extraCallbacks: Partial<Record<BatchEvent, string>> = {},
  ) {
    const o = this.#options;
    const meta: RedisArg[] = [];
    if (o.description !== undefined) meta.push("description", String(o.description));
    meta.push("expires_in", o.expiresIn!);
    for (const [event, item] of Object.entries(o.callbacks ?? {})) {
      if (!item) continue;
      const payload = await this.#callbackPayload(event as BatchEvent, item);
      meta.push(`cb_${event}`, payload.json, `cbq_${event}`, payload.queue);
    }
    for (const [event, json] of Object.entries(extraCallbacks)) {
      meta.push(`cb_${event}`, json, `cbq_${event}`, (JSON.parse(json) as { queue: string }).queue);
    }
    const args: RedisArg[] = [
      "add",
      this.#client.keys.prefix,
      this.bid,
      o.expiresIn!,
      o.parent ?? "",
      meta.length / 2,
      ...meta,
      jobs.length,
    ];
    for (const j of jobs) args.push(j.jid, j.queue, j.json);
    await this.#client.redis.evalScript(batchStep, [], args);
  }

  /** A callback's payload without `enqueued_at` (the script adds it when the event fires). */
  async #callbackPayload(event: BatchEvent, item: PushItem): Promise<CapturedJob> {
    return callbackPayload(this.#builder, this.bid, event, item);
  }
}

/** A callback job's payload for `event` of batch `bid`, without `enqueued_at`. */
export async function callbackPayload(
  builder: PayloadBuilder,
  bid: string,
  event: BatchEvent,
  item: PushItem,
): Promise<CapturedJob> {
  const built = await builder.build({ ...item, callback_bid: bid, callback_event: event });
  if (!built) throw new ConfigError(`Batch: a middleware stopped the ${event} callback job`);
  const payload = JSON.parse(built.json) as Record<string, unknown>;
  delete payload.enqueued_at;
  return { ...built, json: dumpJob(payload) };
}
