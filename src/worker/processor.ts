/**
 * Runs one fetched job (Sidekiq's `processor.rb`) and decides how it leaves the in-progress list.
 * It never throws: a job's failure, whatever it throws, becomes a retry or a death, and never
 * affects another job or the worker.
 *
 * 1. Parse once. Not JSON (or not an object): the raw string goes to `dead`, as Sidekiq does. An
 *    object that is not a job (no class, args not an array): `dead` with the reason. Bytes that
 *    are not UTF-8: `dead` with the exact bytes, by a script (see ReliableFetch).
 * 2. Unknown class: a failure with a message naming the class (retried, as Sidekiq's NameError).
 * 3. Server middleware, then schema validation (after middleware, so a decrypting middleware
 *    runs first; a schema failure goes straight to `dead` with the issues), then the handler.
 * 4. Success: the acknowledgement (LREM of the exact string) joins the next fetch. Failure:
 *    `planFailure`'s commands and the acknowledgement go in the same MULTI.
 * 5. The ledger runs alongside: the job runs from `start` to `finish` and stays held until its
 *    write is known to be written; a job with nothing to write is released at once.
 * 6. `abandon()` (a hard stop): the shutdown signal aborts, and from then on a finishing job
 *    writes nothing, since the stop hands its job back to its queue.
 */
import { monoMs } from "../core/clock";
import { deadCommands } from "../core/dead-set";
import { coerceError, JobPayloadError, JobValidationError } from "../core/errors";
import { type JobPayload, parseJob } from "../core/job";
import { runChain } from "../core/middleware";
import type { RedisCommand } from "../redis/types";
import type { AckBatcher } from "./ack-batcher";
import { JobTimeoutError, UnknownJobError } from "./errors";
import type { Report } from "./exception-handler";
import { mayBeInvalidUtf8, type ReliableFetch } from "./fetch";
import type { JobStats } from "./heartbeat";
import { planFailure, type RetryConfig } from "./job-retry";
import type { Ledger } from "./ledger";
import type { Logger } from "./logger";
import type { Registry } from "./registry";
import type { JobContext, Registration, ServerMiddleware } from "./types";

export interface ProcessorDeps {
  readonly queues: readonly string[];
  readonly ledger: Pick<Ledger, "queueOf" | "jsonOf" | "start" | "finish" | "release">;
  readonly fetch: Pick<ReliableFetch, "ack" | "ackCommand" | "quarantineIfInvalid">;
  /** Where retries, deaths and dead raw strings are written, a batch per round trip. */
  readonly writes: Pick<AckBatcher, "add">;
  readonly registry: Pick<Registry, "get">;
  readonly middleware: readonly ServerMiddleware[];
  readonly logger: Logger;
  readonly logArgs: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly retryConfig: RetryConfig;
  readonly stats: JobStats;
  readonly report: Report;
}

/** How a job leaves the in-progress list: acknowledged, by these commands, or by nothing. */
type Outcome = "ack" | RedisCommand[] | undefined;

export class Processor {
  /** Aborted when a stop gives up waiting; shared by every job. */
  readonly #shutdown = new AbortController();
  /** True once a hard stop handed the unfinished jobs back to their queues. */
  #abandoned = false;

  constructor(private readonly d: ProcessorDeps) {}

  /** Runs the job held as ledger `entry` to its end; never rejects. */
  async run(entry: number): Promise<void> {
    this.d.ledger.start(entry);
    let outcome: Outcome;
    try {
      outcome = await this.#process(entry);
    } finally {
      this.#settle(entry, outcome);
    }
  }

  /** From now on finishing jobs write nothing; `reason` (if any) aborts every job's signal. */
  abandon(reason?: Error): void {
    if (reason) this.#shutdown.abort(reason);
    this.#abandoned = true;
  }

  #settle(entry: number, outcome: Outcome): void {
    const { ledger } = this.d;
    if (outcome === undefined || this.#abandoned) {
      ledger.release(entry);
      return;
    }
    ledger.finish(entry);
    if (outcome === "ack") this.d.fetch.ack(entry);
    else this.d.writes.add(entry, outcome);
  }

  async #process(entry: number): Promise<Outcome> {
    const d = this.d;
    const queueIndex = d.ledger.queueOf(entry);
    const json = d.ledger.jsonOf(entry);
    const queue = d.queues[queueIndex]!;
    // Checked here, not only inside the call: only a string holding U+FFFD can be invalid, and
    // an await for every other job let the manager's next fetch (its script call, written to the
    // socket) run before the handler, which put 50-80 us between BLMOVE's reply and the handler.
    if (mayBeInvalidUtf8(json) && (await this.#invalidUtf8(queueIndex, queue, json))) {
      return undefined;
    }
    let payload: JobPayload;
    try {
      payload = parseJob(json);
    } catch (err) {
      return this.#badPayload(err as Error, queue, json, d.fetch.ackCommand(entry));
    }

    const reg = d.registry.get(payload.class);
    const started = monoMs();
    const fields: Record<string, unknown> = { class: payload.class, jid: payload.jid, queue };
    if (d.logArgs) fields.args = payload.args;
    let error: Error | undefined;
    try {
      if (!reg) throw new UnknownJobError(payload.class);
      d.logger.info("start", fields);
      const timeout = reg.options.timeoutSeconds ?? d.timeoutSeconds;
      let timeoutCtl: AbortController | undefined;
      if (timeout) timeoutCtl = new AbortController();
      const shutdown = this.#shutdown.signal;
      const ctx: JobContext = {
        jid: payload.jid,
        queue,
        retryCount: typeof payload.retry_count === "number" ? payload.retry_count + 1 : 0,
        payload,
        logger: d.logger,
        signal: timeoutCtl ? AbortSignal.any([shutdown, timeoutCtl.signal]) : shutdown,
      };
      const invoke = () => this.#invoke(reg, payload, ctx, timeout, timeoutCtl);
      if (d.middleware.length === 0) await invoke();
      else await runChain(d.middleware, payload, ctx, invoke);
    } catch (err) {
      error = coerceError(err);
    }
    const finished = monoMs();
    // Sidekiq's class for metrics is `wrapped || class` (not display_class); whole ms, as
    // Sidekiq's two whole-millisecond clock readings.
    d.stats.jobDone(
      typeof payload.wrapped === "string" ? payload.wrapped : payload.class,
      Math.floor(finished) - Math.floor(started),
      error !== undefined,
    );
    // A hard stop already gave this job back to its queue: its result no longer counts.
    if (this.#abandoned) return undefined;
    fields.elapsed_ms = Math.round((finished - started) * 10) / 10;
    if (!error) {
      d.logger.info("done", fields);
      return "ack";
    }
    fields.error_class = error.name;
    fields.error_message = error.message;
    d.logger.warn("fail", fields);
    const kill = error instanceof JobValidationError;
    const commands = await this.#fail(reg, queue, json, error, d.fetch.ackCommand(entry), kill);
    d.report(error, { context: "Job raised exception", job: payload, jobstr: json }, true);
    return commands;
  }

  async #invoke(
    reg: Registration,
    payload: JobPayload,
    ctx: JobContext,
    timeout: number | undefined,
    timeoutCtl: AbortController | undefined,
  ): Promise<void> {
    const work = async () => {
      const args = reg.definition ? await reg.definition.validate(payload.args) : payload.args;
      await reg.handler(args, ctx);
    };
    if (!timeout || !timeoutCtl) return work();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new JobTimeoutError(payload.class, timeout);
        timeoutCtl.abort(err);
        reject(err);
      }, timeout * 1000);
    });
    try {
      await Promise.race([work(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The commands that retry or kill a failed job, its acknowledgement last. */
  async #fail(
    reg: Registration | undefined,
    queue: string,
    json: string,
    error: Error,
    ack: RedisCommand,
    kill: boolean,
  ): Promise<RedisCommand[]> {
    let commands: RedisCommand[];
    try {
      const plan = await planFailure(
        {
          json,
          queue,
          error,
          defaultRetry: reg?.definition?.options.retry,
          retryIn: reg?.options.retryIn,
          retriesExhausted: reg?.options.retriesExhausted,
          kill,
        },
        this.d.retryConfig,
      );
      commands = plan.commands;
    } catch (err) {
      // Should not happen (the payload parsed once already); keep the job visible in `dead`.
      this.d.report(err, { context: "Error scheduling a retry", jobstr: json });
      commands = deadCommands(this.d.retryConfig.keys, json, Date.now());
    }
    commands.push(ack);
    return commands;
  }

  /**
   * True when the job's bytes are not UTF-8 and it must not run: either it is now in `dead` with
   * its exact bytes, or Redis could not be asked and it stays in the in-progress list (requeued
   * with its bytes intact at stop, or by orphan recovery).
   */
  async #invalidUtf8(queueIndex: number, queue: string, json: string): Promise<boolean> {
    const d = this.d;
    let moved: boolean;
    try {
      moved = await d.fetch.quarantineIfInvalid(queueIndex, json);
    } catch (err) {
      d.report(err, { context: "Error checking a payload's UTF-8; left in progress" });
      return true;
    }
    if (!moved) return false;
    const error = new JobPayloadError(
      "Invalid job payload: its bytes are not valid UTF-8; moved to the dead set unchanged",
    );
    this.#logBadPayload(error, queue, json);
    return true;
  }

  async #badPayload(
    error: Error,
    queue: string,
    json: string,
    ack: RedisCommand,
  ): Promise<Outcome> {
    this.#logBadPayload(error, queue, json);
    let isObject = false;
    try {
      const v: unknown = JSON.parse(json);
      isObject = v !== null && typeof v === "object" && !Array.isArray(v);
    } catch {
      // not JSON at all
    }
    // A JSON object that is not a job: dead, with the reason in error_message.
    if (isObject)
      return this.#fail(undefined, queue, json, new JobPayloadError(error.message), ack, true);
    // Sidekiq: the raw string goes to the dead set as it is, and the job is acknowledged.
    return [...deadCommands(this.d.retryConfig.keys, json, Date.now()), ack];
  }

  #logBadPayload(error: Error, queue: string, json: string): void {
    this.d.logger.error("Invalid job payload, moved to the dead set", {
      queue,
      error_message: error.message,
    });
    this.d.report(error, { context: "Invalid JSON for job", jobstr: json }, true);
  }
}
