/**
 * The client (Sidekiq's `client.rb`): normalises job hashes, runs client middleware, checks
 * arguments and writes Sidekiq's exact Redis data.
 *
 * 1. Immediate push: `SADD queues <q>` + `LPUSH queue:<q> <json>` in one MULTI (one round trip,
 *    atomic; Sidekiq only pipelines them).
 * 2. Scheduled push: `ZADD schedule <float seconds> <json>`, the member without `at`/`enqueued_at`.
 *    A time at or before now is pushed immediately, as `perform_in` does.
 * 3. Bulk: at most one round trip per 1,000 jobs, one LPUSH with many values per queue.
 * 4. Idempotent mode: the same writes inside one Lua script that first sets a short-lived
 *    `edgekiq:pushed:<jid>` marker (SET NX EX), so a resent request cannot push a job twice.
 * 5. `close()`: no push after it. A connection passed in stays open (BullMQ's rule for a shared
 *    connection: the same ioredis may serve a worker or the rest of the app); its owner closes it.
 */
import { pushIdempotent, push as pushScript } from "../redis/scripts/index.gen";
import type { RedisArg, RedisClient, RedisCommand } from "../redis/types";
import { isEpochMs, realMs, scoreText, type TimestampUnit, toTimestamp } from "./clock";
import { isJobDefinition, type JobArgs, type JobDefinition } from "./define-job";
import type { KeyRing } from "./encryption";
import { ConfigError } from "./errors";
import { assertJsonArgs, type JobPayload, newJid, type RetryOption } from "./job";
import { dumpJob } from "./json";
import { Keys } from "./keys";
import { type Middleware, runChain } from "./middleware";
import { type RedisInput, toRedisClient } from "./redis-input";
import type { UniqueOptions } from "./unique";

/** Context a client middleware gets beside the job. */
export interface ClientMiddlewareContext {
  readonly queue: string;
  readonly redis: RedisClient;
}
export type ClientMiddleware = Middleware<JobPayload, ClientMiddlewareContext>;

export interface ClientOptions {
  /** An ioredis instance, an @upstash/redis instance, `{ url, token }` (REST) or a `RedisClient`. */
  redis: RedisInput;
  /** `"seconds"` (default: floats, read by Sidekiq 6/7/8) or `"milliseconds"` (Sidekiq 8 fleets). */
  timestamps?: TimestampUnit;
  /** Sidekiq 6 `redis-namespace` prefix: every key becomes `<namespace>:<key>`. */
  namespace?: string;
  middleware?: ClientMiddleware[];
  /**
   * Push each jid at most once within `ttlSeconds` (default 3600). Over HTTP, @upstash/redis
   * resends a request whose response was lost; without this, such a resend can push a job twice.
   * Costs one small key per job for the TTL; pushes go as one EVALSHA (EVAL once per server).
   */
  idempotent?: boolean | { ttlSeconds?: number };
  /**
   * The key ring for jobs defined with `encrypt`: `keyRing({ current, keys })` (a factory, so
   * an app that encrypts nothing bundles no encryption code).
   */
  encryption?: KeyRing;
  /**
   * Unique jobs (`unique` on a definition or push): pass `uniqueJobs` from this package. Kept out
   * of the client itself so an app that never pushes unique jobs does not ship their code.
   */
  unique?: UniqueWriter;
}

/** Writes a batch holding unique jobs in one atomic call, marking duplicates (core/unique.ts). */
export type UniqueWriter = (client: Client, batch: PreparedJob[]) => Promise<void>;

/** How long an idempotent push remembers a jid unless told otherwise. */
export const IDEMPOTENT_TTL_SECONDS = 3600;

/** What `push` accepts: Sidekiq's item hash. Extra keys are written into the payload as given. */
export interface PushItem {
  class: string | JobDefinition<any, any>;
  args?: unknown[];
  queue?: string;
  /** When to run: a Date, or epoch seconds (epoch ms are recognised, see `isEpochMs`). */
  at?: number | Date;
  retry?: RetryOption;
  jid?: string;
  tags?: string[];
  /** A unique job (core/unique.ts): needs `new Client({ unique: uniqueJobs })`. */
  unique?: UniqueOptions;
  /** Seconds after it is due that the job is dropped instead of run late. */
  expiresIn?: number;
  [extra: string]: unknown;
}

export interface BulkItem {
  class: string | JobDefinition<any, any>;
  args: unknown[][];
  queue?: string;
  retry?: RetryOption;
  tags?: string[];
  unique?: UniqueOptions;
  expiresIn?: number;
  /** One time for all jobs, or one per job. */
  at?: number | Date | ReadonlyArray<number | Date>;
  [extra: string]: unknown;
}

/** Sidekiq 7's `push_bulk` batch size. */
export const BULK_BATCH_SIZE = 1000;

export class Client {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly timestamps: TimestampUnit;
  readonly middleware: ClientMiddleware[];
  /** Marker TTL in seconds when pushes are idempotent; undefined otherwise. */
  readonly idempotentTtlSeconds: number | undefined;
  readonly encryption: KeyRing | undefined;
  readonly unique: UniqueWriter | undefined;
  #closed = false;

  constructor(options: ClientOptions) {
    this.redis = toRedisClient(options.redis);
    this.keys = new Keys(options.namespace);
    this.timestamps = options.timestamps ?? "seconds";
    if (this.timestamps !== "seconds" && this.timestamps !== "milliseconds") {
      throw new ConfigError(
        `timestamps must be "seconds" or "milliseconds", got ${this.timestamps}`,
      );
    }
    this.middleware = [...(options.middleware ?? [])];
    this.encryption = options.encryption;
    this.unique = options.unique;
    const idempotent = options.idempotent;
    this.idempotentTtlSeconds = idempotent
      ? ((typeof idempotent === "object" ? idempotent.ttlSeconds : undefined) ??
        IDEMPOTENT_TTL_SECONDS)
      : undefined;
    const ttl = this.idempotentTtlSeconds;
    if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
      throw new ConfigError(`idempotent.ttlSeconds must be a positive integer, got ${ttl}`);
    }
  }

  /**
   * Ends this client: later pushes reject. It opens no connection of its own (`{ url, token }` is
   * plain HTTP), and one you passed in is left open for you to close, since other code may share it.
   */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Pushes one job (Sidekiq::Client.push). Resolves to its jid, or null if middleware stopped it. */
  async push(item: PushItem): Promise<string | null> {
    this.#assertOpen();
    const template = this.#template(item, toTimestamp(realMs(), this.timestamps));
    const prepared = await this.#prepare(template, item.args ?? [], item.at);
    if (!prepared) return null;
    await this.#write([prepared]);
    return prepared.duplicate ? null : prepared.job.jid;
  }

  /**
   * Pushes many jobs of one class (Sidekiq::Client.push_bulk), at most one round trip per 1,000.
   * Resolves to jids aligned with `args`, null where middleware stopped a job.
   */
  async pushBulk(item: BulkItem): Promise<(string | null)[]> {
    this.#assertOpen();
    const { args: argsList, at } = item;
    if (!Array.isArray(argsList) || argsList.some((a) => !Array.isArray(a))) {
      throw new ConfigError("pushBulk: `args` must be an array of argument arrays");
    }
    if (Array.isArray(at) && at.length !== argsList.length) {
      throw new ConfigError("pushBulk: `at` must be one time or one per job");
    }
    if ("jid" in item && argsList.length > 1) {
      throw new ConfigError("pushBulk: an explicit jid cannot be used for more than one job");
    }
    // Normalised once; every job of the call shares created_at, as in Sidekiq.
    const template = this.#template(item as PushItem, toTimestamp(realMs(), this.timestamps));
    const jobs: (Prepared | null)[] = [];
    for (let start = 0; start < argsList.length; start += BULK_BATCH_SIZE) {
      const batch: Prepared[] = [];
      for (let i = start; i < Math.min(start + BULK_BATCH_SIZE, argsList.length); i++) {
        const jobAt = Array.isArray(at)
          ? (at as (number | Date)[])[i]
          : (at as number | Date | undefined);
        const prepared = await this.#prepare(template, argsList[i]!, jobAt);
        jobs.push(prepared);
        if (prepared) batch.push(prepared);
      }
      if (batch.length > 0) await this.#write(batch);
    }
    return jobs.map((p) => (p && !p.duplicate ? p.job.jid : null));
  }

  /** `HardJob.perform_async(...)`: typed by the definition's schema. */
  performAsync<D extends JobDefinition<any, any>>(
    job: D | string,
    ...args: JobArgs<D>
  ): Promise<string | null> {
    return this.push({ ...optionsOf(job), args, class: job });
  }

  /** Runs `seconds` from now (Sidekiq's `perform_in`; values ≥ 1e9 are absolute epoch seconds). */
  performIn<D extends JobDefinition<any, any>>(
    seconds: number,
    job: D | string,
    ...args: JobArgs<D>
  ): Promise<string | null> {
    const at = seconds < 1_000_000_000 ? realMs() / 1000 + seconds : seconds;
    return this.push({ ...optionsOf(job), class: job, args, at });
  }

  /** Runs at `when` (a Date or epoch seconds). */
  performAt<D extends JobDefinition<any, any>>(
    when: Date | number,
    job: D | string,
    ...args: JobArgs<D>
  ): Promise<string | null> {
    return this.push({ ...optionsOf(job), class: job, args, at: when });
  }

  /** `perform_bulk`: one job per argument list, 1,000 per round trip. */
  performBulk<D extends JobDefinition<any, any>>(
    job: D | string,
    argsList: ReadonlyArray<JobArgs<D>>,
    options: { at?: BulkItem["at"] } = {},
  ): Promise<(string | null)[]> {
    return this.pushBulk({
      ...optionsOf(job),
      class: job,
      args: [...argsList] as unknown[][],
      ...options,
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new ConfigError("this Client was closed; create a new one to push");
  }

  /**
   * The job hash without its arguments and jid, normalised once per call: Ruby's key order
   * (defaults `retry`, `queue` and the definition's options, then the caller's keys, then `jid`,
   * `created_at`), with slots for `args` and `jid` that each job fills in.
   */
  #template(item: PushItem, createdAt: number): Template {
    const definition = isJobDefinition(item.class) ? item.class : undefined;
    const className = definition ? definition.name : item.class;
    if (typeof className !== "string" || className === "") {
      throw new ConfigError("push: `class` must be a class name or a job definition");
    }
    const job: Record<string, unknown> = { retry: true, queue: "default", ...definition?.options };
    for (const key of Object.keys(item)) {
      const value = item[key];
      if (key === "at" || value === undefined) continue;
      job[key] = key === "class" ? className : key === "args" ? null : value;
    }
    if (!("args" in job)) job.args = null;
    job.jid ??= null;
    job.created_at ??= createdAt;
    validateItem(job as JobPayload, false);
    return { job, definition };
  }

  /** One job from the template: schema, middleware, strict args; null if middleware stopped it. */
  async #prepare(
    template: Template,
    args: unknown[],
    at: number | Date | undefined,
  ): Promise<Prepared | null> {
    if (template.definition?.schema) await template.definition.validate(args);
    const payload = { ...template.job } as JobPayload;
    payload.args = args;
    payload.jid ??= newJid();
    if (this.middleware.length > 0) {
      const pushed = await runChain(
        this.middleware,
        payload,
        { queue: payload.queue, redis: this.redis },
        async () => {},
      );
      if (!pushed) return null;
      validateItem(payload, true); // middleware may have changed the job
      delete payload.at;
    }
    // Strict args after middleware, as Sidekiq 7 does (a middleware may encrypt or rewrite them).
    assertJsonArgs(payload.class, payload.args);
    // A unique lock of an encrypted job is the digest of its plain arguments: the ciphertext
    // differs on every push (random IV), so duplicates would never match.
    const plainArgs = payload.encrypt && payload.unique ? [...payload.args] : undefined;
    // Sealed last, once class, queue and jid are final: they are bound to the ciphertext.
    if (payload.encrypt) {
      if (!this.encryption?.seal) {
        throw new ConfigError(`Job "${payload.class}" is encrypted: pass encryption: keyRing(...)`);
      }
      await this.encryption.seal(payload);
    }
    const atSeconds = at === undefined ? undefined : toEpochSeconds(at);
    const nowMs = realMs();
    // Expiring jobs: the deadline counts from when the job is due (Sidekiq Enterprise's rule).
    if (payload.expiresIn) {
      payload.edgekiq_expires_at =
        Math.max(atSeconds ?? 0, nowMs / 1000) + Number(payload.expiresIn);
      delete payload.expiresIn;
    }
    if (atSeconds !== undefined && atSeconds > nowMs / 1000) {
      delete payload.enqueued_at;
      return { job: payload, score: atSeconds, plainArgs };
    }
    payload.enqueued_at = toTimestamp(nowMs, this.timestamps);
    return { job: payload, plainArgs };
  }

  /** One round trip: a MULTI, the push script (one job over TCP), or the idempotent script. */
  async #write(batch: Prepared[]): Promise<void> {
    // Unique jobs: the writer the app passed in (core/unique.ts); without one, a clear error.
    if (batch.some((p) => p.job.unique)) {
      if (!this.unique) throw new ConfigError("unique jobs need Client({ unique: uniqueJobs })");
      return this.unique(this, batch);
    }
    const first = batch[0]!;
    if (
      batch.length === 1 &&
      first.score === undefined &&
      this.idempotentTtlSeconds === undefined &&
      this.redis.transport === "tcp"
    ) {
      // The same SADD + LPUSH, atomic, as one command instead of MULTI/SADD/LPUSH/EXEC.
      const queue = first.job.queue;
      await this.redis.evalScript(
        pushScript,
        [this.keys.queues, this.keys.queue(queue)],
        [queue, dumpJob(first.job)],
      );
      return;
    }
    if (this.idempotentTtlSeconds === undefined) {
      await this.redis.multi(this.#commands(batch));
      return;
    }
    // Key and argument layout: see src/redis/scripts/push-idempotent.lua.
    const keys = [this.keys.queues, this.keys.schedule];
    const args: RedisArg[] = [this.idempotentTtlSeconds];
    for (const { job, score } of batch) {
      keys.push(this.keys.pushed(job.jid), this.keys.queue(job.queue));
      args.push(job.queue, score === undefined ? "" : scoreText(score), dumpJob(job));
    }
    await this.redis.evalScript(pushIdempotent, keys, args);
  }

  /** The commands for a batch: one SADD + LPUSH per queue, one ZADD for the scheduled ones. */
  #commands(batch: Prepared[]): RedisCommand[] {
    const byQueue = new Map<string, string[]>();
    const scheduled: string[] = [];
    for (const { job, score } of batch) {
      const json = dumpJob(job);
      if (score !== undefined) scheduled.push(scoreText(score), json);
      else {
        const list = byQueue.get(job.queue);
        if (list) list.push(json);
        else byQueue.set(job.queue, [json]);
      }
    }
    const commands: RedisCommand[] = [];
    for (const [queue, jsons] of byQueue) {
      commands.push(["sadd", this.keys.queues, queue], ["lpush", this.keys.queue(queue), ...jsons]);
    }
    if (scheduled.length > 0) commands.push(["zadd", this.keys.schedule, ...scheduled]);
    return commands;
  }
}

interface Template {
  job: Record<string, unknown>;
  definition: JobDefinition<any, any> | undefined;
}

export interface PreparedJob {
  job: JobPayload;
  /** Epoch seconds to run at; absent for an immediate push. */
  score?: number;
  /** The arguments before encryption, for a unique lock's digest; absent when not sealed. */
  plainArgs?: unknown[];
  /** Set by a unique write when the job's lock was held: nothing was pushed. */
  duplicate?: boolean;
}
type Prepared = PreparedJob;

function optionsOf(job: JobDefinition<any, any> | string): Record<string, unknown> {
  return typeof job === "string" ? {} : { ...job.options };
}

function toEpochSeconds(at: number | Date): number {
  const ms =
    at instanceof Date
      ? at.getTime()
      : typeof at === "number" && isEpochMs(at)
        ? at
        : Number(at) * 1000;
  if (!Number.isFinite(ms))
    throw new ConfigError(`push: \`at\` must be a Date or epoch seconds, got ${String(at)}`);
  return ms / 1000;
}

/** Sidekiq's `validate` (job_util.rb): the shape checks that happen before anything is sent. */
function validateItem(job: JobPayload, checkJid: boolean): void {
  const where = `Job "${job.class}"`;
  if (typeof job.queue !== "string" || job.queue === "") {
    throw new ConfigError(`${where}: queue must be a non-empty string`);
  }
  if (job.retry !== undefined && typeof job.retry !== "boolean" && !Number.isInteger(job.retry)) {
    throw new ConfigError(`${where}: retry must be true, false or an integer`);
  }
  if (job.tags !== undefined && !Array.isArray(job.tags)) {
    throw new ConfigError(`${where}: tags must be an array`);
  }
  if ((checkJid || job.jid !== null) && (typeof job.jid !== "string" || job.jid === "")) {
    throw new ConfigError(`${where}: jid must be a non-empty string`);
  }
}
